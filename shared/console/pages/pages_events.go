package pages

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/hapihub/hapihub/sdk/go/hapihub"
	hevents "github.com/hapihub/hapihub/shared/events"
	"github.com/hapihub/hapihub/shared/store/webhookstore"
)

func init() {
	register("GET /events", events)
	register("GET /events/{id}", event)
}

// eventsPerPage is the events list's page size.
const eventsPerPage = 25

type eventsData struct {
	Events []hapihub.Event
	Type   string // the type filter: an exact type or a pattern (patient.*)
	Pager  pager
	// Patterns are the filter's suggestions: "*", every object's wildcard and every type.
	Patterns []string
}

// ObjectID is the id of the object an event is about.
func (eventsData) ObjectID(e hapihub.Event) string { return objectID(e) }

func objectID(e hapihub.Event) string {
	var o struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(e.Data.Object, &o)
	return o.ID
}

func typePatterns() []string {
	out := []string{"*"}
	for _, g := range eventGroups() {
		out = append(out, g.Wildcard)
	}
	return append(out, hevents.Types()...)
}

func events(c *Call) error {
	q := c.R.URL.Query()
	d := eventsData{Type: strings.TrimSpace(q.Get("type")), Patterns: typePatterns()}
	// An event id typed in the search box opens that event.
	if strings.HasPrefix(d.Type, "evt_") {
		return c.Redirect("/events/"+url.PathEscape(d.Type), "")
	}
	skip := skipParam(q)
	// One more than a page tells whether there is a next page (the list is read without a total).
	lq := hapihub.NewQuery().Limit(eventsPerPage + 1).Skip(skip)
	if d.Type != "" && d.Type != "*" {
		lq.Where(hapihub.Eq("type", d.Type))
	}
	list, err := c.API.Events.List(c.Ctx(), lq)
	if err != nil {
		return c.Render(apiStatus(err), "events.html", View{Title: "Events", Data: d, Err: err})
	}
	d.Events = list.Data[:min(len(list.Data), eventsPerPage)]
	d.Pager = newPeekPager(c, "/events", eventsPerPage, skip, len(list.Data))
	return c.Render(http.StatusOK, "events.html", View{Title: "Events", Data: d})
}

// eventDelivery is the event's delivery to one endpoint.
type eventDelivery struct {
	Endpoint hapihub.WebhookEndpoint
	Delivery *hapihub.WebhookDelivery
}

type eventData struct {
	Event      *hapihub.Event
	JSON       string
	ObjectID   string
	Deliveries []eventDelivery
	// DelivNote says why the deliveries could not be listed (the role cannot read endpoints).
	DelivNote string
}

func event(c *Call) error {
	v := View{Title: "Event", Active: "/events"}
	ev, err := c.API.Events.Get(c.Ctx(), c.R.PathValue("id"))
	if err != nil {
		v.Err = err
		return c.Render(apiStatus(err), "event.html", v)
	}
	d := eventData{Event: ev, ObjectID: objectID(*ev)}
	if d.JSON, err = prettyEvent(ev); err != nil {
		return err
	}
	d.Deliveries, err = eventDeliveries(c, ev)
	if err != nil {
		d.DelivNote = apiMessage(err)
	}
	v.Data = d
	return c.Render(http.StatusOK, "event.html", v)
}

// eventDeliveries finds the event's delivery to each endpoint of the mode. The API has no
// per-event listing, but a delivery's id is derived from (event, endpoint) (store.DeliveryID),
// so each candidate endpoint costs one read; there are at most 16 endpoints per mode.
func eventDeliveries(c *Call, ev *hapihub.Event) ([]eventDelivery, error) {
	eps, err := c.API.WebhookEndpoints.List(c.Ctx(), hapihub.NewQuery().Limit(100))
	if err != nil {
		return nil, err
	}
	var out []eventDelivery
	for _, ep := range eps.Data {
		if !ev.Test && !hevents.MatchAny(ep.EnabledEvents, ev.Type) {
			continue
		}
		del, err := c.API.WebhookEndpoints.Delivery(c.Ctx(), ep.ID, webhookstore.DeliveryID(ev.ID, ep.ID))
		var ae *hapihub.Error
		switch {
		case errors.As(err, &ae) && ae.Name == hapihub.ErrorNotFound:
			continue // created after the event, or a test event sent elsewhere
		case err != nil:
			return out, err
		}
		out = append(out, eventDelivery{Endpoint: ep, Delivery: del})
	}
	return out, nil
}

// apiMessage is an error as one line for a note in the page.
func apiMessage(err error) string {
	var ae *hapihub.Error
	if errors.As(err, &ae) {
		return ae.Name + ": " + ae.Message
	}
	return "The API could not be reached; try again in a moment."
}

// prettyEvent is an event as indented JSON, as the API sent it (the object keeps its own fields).
func prettyEvent(ev *hapihub.Event) (string, error) {
	b, err := json.MarshalIndent(ev, "", "  ")
	if err != nil {
		return "", fmt.Errorf("console: format event %s: %w", ev.ID, err)
	}
	return string(b), nil
}
