package pages

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/hapihub/hapihub/sdk/go/hapihub"
	hevents "github.com/hapihub/hapihub/shared/events"
	"github.com/hapihub/hapihub/shared/store/accountstore"
	"github.com/hapihub/hapihub/shared/store/webhookstore"
)

func init() {
	register("GET /webhooks", webhooks)
	register("POST /webhooks", createWebhook)
	register("GET /webhooks/{id}", webhook)
	register("POST /webhooks/{id}/reveal", revealWebhookSecret)
	register("POST /webhooks/{id}/roll", rollWebhookSecret)
	register("POST /webhooks/{id}/status", setWebhookStatus)
	register("POST /webhooks/{id}/events", editWebhook)
	register("POST /webhooks/{id}/delete", deleteWebhook)
	register("POST /webhooks/{id}/test", testWebhook)
	register("GET /webhooks/{id}/deliveries/{deliveryId}", delivery)
	register("POST /webhooks/{id}/deliveries/{deliveryId}/resend", resendDelivery)
}

// deliveriesPerPage is the deliveries table's page size.
const deliveriesPerPage = 20

// eventGroup is one object's event types in the enabled-events picker, under its wildcard.
type eventGroup struct {
	Object   string
	Wildcard string // "patient.*"
	Types    []eventType
}

// eventType is one type in the picker: its row names the object, so the label is the action.
type eventType struct{ Type, Action string }

// eventGroups lists every event type the API knows, by object, for the picker.
func eventGroups() []eventGroup {
	var out []eventGroup
	idx := map[string]int{}
	for _, t := range hevents.Types() {
		obj := t[:strings.LastIndex(t, ".")]
		i, ok := idx[obj]
		if !ok {
			i = len(out)
			idx[obj] = i
			out = append(out, eventGroup{Object: obj, Wildcard: obj + ".*"})
		}
		out[i].Types = append(out[i].Types, eventType{Type: t, Action: t[len(obj)+1:]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Object < out[j].Object })
	return out
}

// canWrite tells whether the session's role may change data: a viewer's session key is read
// only, so its forms would only be refused (the API still judges every POST).
func canWrite(c *Call) bool { return c.Session.Role != accountstore.RoleViewer }

// endpointForm is the create/edit form's state, kept when the API refuses it.
type endpointForm struct {
	URL         string
	Description string
	Events      map[string]bool
	Groups      []eventGroup
}

// pickerTemplate is the enabled-events picker, shared by the create and edit forms.
var pickerTemplate = newPiece("webhook_picker.html")

// Picker renders the form's enabled-events checkboxes.
func (f endpointForm) Picker() (template.HTML, error) {
	return renderPiece(pickerTemplate, "eventPicker", f)
}

// Widest is the most types an object has: the picker's type columns.
func (f endpointForm) Widest() int {
	n := 0
	for _, g := range f.Groups {
		n = max(n, len(g.Types))
	}
	return n
}

// Pad is how many empty type columns end g's row.
func (f endpointForm) Pad(g eventGroup) int { return f.Widest() - len(g.Types) }

// Checked reports whether a pattern is selected.
func (f endpointForm) Checked(p string) bool { return f.Events[p] }

func newEndpointForm(selected []string) endpointForm {
	f := endpointForm{Events: map[string]bool{}, Groups: eventGroups()}
	for _, p := range selected {
		f.Events[p] = true
	}
	return f
}

// formEvents reads the checked event patterns (name "events", repeated), in a stable order.
func formEvents(c *Call) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range c.R.PostForm["events"] {
		for _, p := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' }) {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	sort.Strings(out)
	return out
}

type webhooksData struct {
	Endpoints []hapihub.WebhookEndpoint
	ListErr   error
	Form      endpointForm
	CanWrite  bool
}

func webhooksPage(c *Call, f endpointForm) webhooksData {
	d := webhooksData{Form: f, CanWrite: canWrite(c)}
	list, err := c.API.WebhookEndpoints.List(c.Ctx(), hapihub.NewQuery().Limit(100))
	if err != nil {
		d.ListErr = err
	} else {
		d.Endpoints = list.Data
	}
	return d
}

func webhooks(c *Call) error {
	d := webhooksPage(c, newEndpointForm(nil))
	return c.Render(http.StatusOK, "webhooks.html", View{Title: "Webhooks", Data: d, Err: d.ListErr})
}

func createWebhook(c *Call) error {
	f := newEndpointForm(formEvents(c))
	f.URL, f.Description = c.Form("url"), c.Form("description")
	events := formEvents(c)
	var formErrs []hapihub.FieldError
	if f.URL == "" {
		formErrs = append(formErrs, field("url", "enter the URL that will receive events"))
	}
	if len(events) == 0 {
		formErrs = append(formErrs, field("enabledEvents", "choose at least one event type, or all events"))
	}
	if len(formErrs) > 0 {
		return c.Render(http.StatusBadRequest, "webhooks.html", View{Title: "Webhooks", Data: webhooksPage(c, f), Err: invalid(formErrs...)})
	}
	p := &hapihub.WebhookEndpointParams{URL: &f.URL, EnabledEvents: &events}
	if f.Description != "" {
		p.Description = &f.Description
	}
	ep, err := c.API.WebhookEndpoints.Create(c.Ctx(), p)
	if err != nil {
		return c.Render(apiStatus(err), "webhooks.html", View{Title: "Webhooks", Data: webhooksPage(c, f), Err: err})
	}
	return c.Redirect("/webhooks/"+url.PathEscape(ep.ID), "Endpoint created. Reveal its signing secret below to verify deliveries.")
}

// secretExpiries are the roll form's choices for how long the old secret keeps signing.
var secretExpiries = []struct {
	Value   string
	Label   string
	Seconds int64
}{{"0", "Expire the old secret now", 0}, {"3600", "In 1 hour", 3600}, {"86400", "In 24 hours (the longest the API allows)", 86400}}

type webhookData struct {
	Endpoint *hapihub.WebhookEndpoint
	// Secret is the signing secret when this answer shows it (revealed or rolled).
	Secret     string
	Form       endpointForm
	Deliveries []hapihub.WebhookDelivery
	DelivErr   error
	Status     string // the deliveries filter
	Pager      pager
	TestTypes  []string
	TestType   string
	Expiries   any
	CanWrite   bool
}

// MaskedSecret shows the secret's prefix only.
func (d webhookData) MaskedSecret() string {
	if d.Endpoint == nil || d.Endpoint.Secret == "" {
		return ""
	}
	return "whsec_" + strings.Repeat("•", 24)
}

// Statuses are the deliveries filter's choices.
func (webhookData) Statuses() []string {
	return []string{webhookstore.DeliveryPending, webhookstore.DeliverySucceeded, webhookstore.DeliveryFailed}
}

// LastStatus is the HTTP status of a delivery's latest attempt, or "no response".
func (webhookData) LastStatus(d hapihub.WebhookDelivery) string {
	if len(d.Attempts) == 0 {
		return ""
	}
	a := d.Attempts[len(d.Attempts)-1]
	if a.StatusCode != nil {
		return strconv.Itoa(*a.StatusCode)
	}
	if a.Error != "" {
		return "no response"
	}
	return ""
}

// webhookPage loads an endpoint and its deliveries. A refusal to read the endpoint itself
// (unknown id, no permission) is returned for the caller to show as the page's error.
func webhookPage(c *Call, d webhookData) (webhookData, error) {
	id := c.R.PathValue("id")
	ep, err := c.API.WebhookEndpoints.Get(c.Ctx(), id)
	if err != nil {
		return d, err
	}
	d.Endpoint, d.CanWrite, d.Expiries = ep, canWrite(c), secretExpiries
	if d.Form.Events == nil {
		d.Form = newEndpointForm(ep.EnabledEvents)
		d.Form.Description = ep.Description
	}
	for _, t := range hevents.Types() {
		if hevents.MatchAny(ep.EnabledEvents, t) {
			d.TestTypes = append(d.TestTypes, t)
		}
	}
	q := c.R.URL.Query()
	d.Status = q.Get("status")
	if d.Status != webhookstore.DeliveryPending && d.Status != webhookstore.DeliverySucceeded && d.Status != webhookstore.DeliveryFailed {
		d.Status = ""
	}
	skip := skipParam(q)
	// One more than a page tells whether there is a next page (the list has no total).
	lq := hapihub.NewQuery().Limit(deliveriesPerPage + 1).Skip(skip)
	if d.Status != "" {
		lq.Where(hapihub.Eq("status", d.Status))
	}
	list, err := c.API.WebhookEndpoints.Deliveries(c.Ctx(), id, lq)
	if err != nil {
		d.DelivErr = err
		return d, nil
	}
	d.Deliveries = list.Data[:min(len(list.Data), deliveriesPerPage)]
	d.Pager = newPeekPager(c, "/webhooks/"+url.PathEscape(ep.ID), deliveriesPerPage, skip, len(list.Data))
	return d, nil
}

// renderWebhook shows the endpoint page with d's state and a page-level error or notice.
func renderWebhook(c *Call, status int, d webhookData, pageErr error, notice string) error {
	d, err := webhookPage(c, d)
	if err != nil {
		return c.Render(apiStatus(err), "webhook.html", View{Title: "Webhook endpoint", Active: "/webhooks", Err: err})
	}
	if pageErr == nil {
		pageErr = d.DelivErr
	}
	return c.Render(status, "webhook.html", View{Title: "Webhook endpoint", Active: "/webhooks", Data: d, Err: pageErr, Notice: notice})
}

func webhook(c *Call) error {
	return renderWebhook(c, http.StatusOK, webhookData{}, nil, "")
}

// revealWebhookSecret shows the signing secret in this answer only (a POST, so the secret never
// sits in a URL or the browser's history).
func revealWebhookSecret(c *Call) error {
	d, err := webhookPage(c, webhookData{})
	if err != nil {
		return c.Render(apiStatus(err), "webhook.html", View{Title: "Webhook endpoint", Active: "/webhooks", Err: err})
	}
	d.Secret = d.Endpoint.Secret
	return c.Render(http.StatusOK, "webhook.html", View{Title: "Webhook endpoint", Active: "/webhooks", Data: d, Err: d.DelivErr})
}

func rollWebhookSecret(c *Call) error {
	var secs int64 = -1
	for _, e := range secretExpiries {
		if e.Value == c.Form("expires") {
			secs = e.Seconds
		}
	}
	if secs < 0 {
		return renderWebhook(c, http.StatusBadRequest, webhookData{}, invalid(field("expires", "choose when the old secret stops signing")), "")
	}
	ep, err := c.API.WebhookEndpoints.RollSecret(c.Ctx(), c.R.PathValue("id"), secs)
	if err != nil {
		return renderWebhook(c, apiStatus(err), webhookData{}, err, "")
	}
	msg := "Secret rolled; the old secret no longer signs deliveries."
	if secs > 0 {
		msg = "Secret rolled; deliveries carry a signature with the old secret too until it expires. Update your receiver now."
	}
	return renderWebhook(c, http.StatusOK, webhookData{Secret: ep.Secret}, nil, msg)
}

func setWebhookStatus(c *Call) error {
	status := c.Form("status")
	if status != "enabled" && status != "disabled" {
		return renderWebhook(c, http.StatusBadRequest, webhookData{}, invalid(field("status", "must be enabled or disabled")), "")
	}
	id := c.R.PathValue("id")
	if _, err := c.API.WebhookEndpoints.Update(c.Ctx(), id, &hapihub.WebhookEndpointParams{Status: &status}); err != nil {
		return renderWebhook(c, apiStatus(err), webhookData{}, err, "")
	}
	msg := "Endpoint enabled: new events are delivered to it again."
	if status == "disabled" {
		msg = "Endpoint disabled: no events are delivered to it until you enable it."
	}
	return c.Redirect("/webhooks/"+url.PathEscape(id), msg)
}

func editWebhook(c *Call) error {
	events := formEvents(c)
	f := newEndpointForm(events)
	f.Description = c.Form("description")
	if len(events) == 0 {
		return renderWebhook(c, http.StatusBadRequest, webhookData{Form: f},
			invalid(field("enabledEvents", "choose at least one event type, or all events")), "")
	}
	id := c.R.PathValue("id")
	if _, err := c.API.WebhookEndpoints.Update(c.Ctx(), id, &hapihub.WebhookEndpointParams{EnabledEvents: &events, Description: &f.Description}); err != nil {
		return renderWebhook(c, apiStatus(err), webhookData{Form: f}, err, "")
	}
	return c.Redirect("/webhooks/"+url.PathEscape(id), "Endpoint saved.")
}

func deleteWebhook(c *Call) error {
	ep, err := c.API.WebhookEndpoints.Delete(c.Ctx(), c.R.PathValue("id"))
	if err != nil {
		return renderWebhook(c, apiStatus(err), webhookData{}, err, "")
	}
	return c.Redirect("/webhooks", "Endpoint "+ep.URL+" deleted: it receives no more events.")
}

func testWebhook(c *Call) error {
	id := c.R.PathValue("id")
	typ := c.Form("type")
	del, err := c.API.WebhookEndpoints.SendTest(c.Ctx(), id, typ)
	if err != nil {
		return renderWebhook(c, apiStatus(err), webhookData{TestType: typ}, err, "")
	}
	return c.Redirect("/webhooks/"+url.PathEscape(id), "Test "+del.EventType+" event "+del.EventID+" sent; its delivery is listed below.")
}

// bodyLimit mirrors the API's record of a response body (its first 1 KB).
const bodyLimit = 1024

type deliveryData struct {
	Endpoint *hapihub.WebhookEndpoint
	Delivery *hapihub.WebhookDelivery
	// Payload is the request body every attempt sent: the event, pretty-printed.
	Payload  string
	EventErr error
	CanWrite bool
	Headers  []string
}

// Truncated reports whether an attempt's body is as long as the API records, so likely cut.
func (deliveryData) Truncated(body string) bool { return len(body) >= bodyLimit }

// Num numbers attempts from 1.
func (deliveryData) Num(i int) int { return i + 1 }

// EventErrText is why the event could not be read.
func (d deliveryData) EventErrText() string { return apiMessage(d.EventErr) }

// Code is an attempt's status code, or "" without a response.
func (deliveryData) Code(a hapihub.WebhookAttempt) string {
	if a.StatusCode == nil {
		return ""
	}
	return strconv.Itoa(*a.StatusCode)
}

// CodeStatus classes a response code for its pill.
func (deliveryData) CodeStatus(a hapihub.WebhookAttempt) string {
	if a.StatusCode != nil && *a.StatusCode >= 200 && *a.StatusCode < 300 {
		return "succeeded"
	}
	return "failed"
}

func delivery(c *Call) error {
	return renderDelivery(c, http.StatusOK, nil, "")
}

func renderDelivery(c *Call, status int, pageErr error, notice string) error {
	id, did := c.R.PathValue("id"), c.R.PathValue("deliveryId")
	v := View{Title: "Webhook delivery", Active: "/webhooks", Err: pageErr, Notice: notice}
	ep, err := c.API.WebhookEndpoints.Get(c.Ctx(), id)
	if err != nil {
		v.Err = err
		return c.Render(apiStatus(err), "webhook_delivery.html", v)
	}
	del, err := c.API.WebhookEndpoints.Delivery(c.Ctx(), id, did)
	if err != nil {
		v.Err = err
		return c.Render(apiStatus(err), "webhook_delivery.html", v)
	}
	d := deliveryData{Endpoint: ep, Delivery: del, CanWrite: canWrite(c),
		Headers: []string{hapihub.SignatureHeader, hapihub.StandardIDHeader, hapihub.StandardTimestampHeader, hapihub.StandardSignatureHeader}}
	ev, err := c.API.Events.Get(c.Ctx(), del.EventID)
	if err != nil {
		var ae *hapihub.Error
		if !errors.As(err, &ae) || ae.Name != hapihub.ErrorNotFound {
			d.EventErr = err
		}
	} else if d.Payload, err = prettyEvent(ev); err != nil {
		return err
	}
	v.Data = d
	return c.Render(status, "webhook_delivery.html", v)
}

func resendDelivery(c *Call) error {
	id, did := c.R.PathValue("id"), c.R.PathValue("deliveryId")
	if _, err := c.API.WebhookEndpoints.Resend(c.Ctx(), id, did); err != nil {
		return renderDelivery(c, apiStatus(err), err, "")
	}
	return c.Redirect("/webhooks/"+url.PathEscape(id)+"/deliveries/"+url.PathEscape(did), "Delivery queued again: a new round of attempts starts now.")
}
