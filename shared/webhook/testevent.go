package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strings"

	"github.com/hapihub/hapihub/shared/api"
	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/domain"
	hevents "github.com/hapihub/hapihub/shared/events"
	"github.com/hapihub/hapihub/shared/sandbox"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store/core"
	"github.com/hapihub/hapihub/shared/store/webhookstore"
)

// Test events (POST /webhook-endpoints/{id}/test): a sample event of a chosen type, marked
// "test": true, delivered to one endpoint through the ordinary delivery path. Decisions are in
// docs/webhooks.md, "Test events".

// DefaultTestType is the type sent when neither the request nor the endpoint names one.
const DefaultTestType = "patient.created"

// TestType picks the type a test sends to an endpoint that names none: its first enabled
// concrete type, else the created event of its first object wildcard, else patient.created.
func TestType(enabled []string) string {
	sorted := append([]string(nil), enabled...)
	sort.Strings(sorted)
	for _, p := range sorted {
		if p != "*" && !strings.HasSuffix(p, ".*") {
			return p
		}
	}
	for _, p := range sorted {
		if obj, ok := strings.CutSuffix(p, ".*"); ok {
			if t := obj + ".created"; hevents.Known(t) {
				return t
			}
			for _, t := range hevents.Types() {
				if strings.HasPrefix(t, obj+".") {
					return t
				}
			}
		}
	}
	return DefaultTestType
}

// SendTest stores a sample event of type typ ("" picks TestType) and queues its delivery to one
// enabled endpoint. requestID is recorded on the event as the request that caused it.
func (d *Dispatcher) SendTest(ctx context.Context, account, mode, endpointID, typ, requestID string) (webhookstore.Delivery, error) {
	ep, err := d.Store.GetEndpoint(ctx, account, mode, endpointID)
	if err != nil {
		return webhookstore.Delivery{}, err
	}
	if ep.Status != webhookstore.EndpointEnabled {
		return webhookstore.Delivery{}, apperr.New(apperr.InvalidParameters, "Webhook endpoint %s is disabled; enable it before sending a test event.", ep.ID)
	}
	if typ == "" {
		typ = TestType(ep.EnabledEvents)
	}
	if !hevents.Known(typ) {
		return webhookstore.Delivery{}, apperr.Field("type", "%q is not an event type (a test event has one exact type, e.g. patient.created)", typ)
	}
	if !hevents.MatchAny(ep.EnabledEvents, typ) {
		return webhookstore.Delivery{}, apperr.Field("type", "webhook endpoint %s does not receive %s (its enabledEvents are %s)", ep.ID, typ, strings.Join(ep.EnabledEvents, ", "))
	}
	org, err := d.sampleOrganization(ctx, account, mode)
	if err != nil {
		return webhookstore.Delivery{}, err
	}
	now := d.now()
	t := domain.Tenant{Account: account, Mode: mode, Org: org}
	obj, prev := SampleObject(t, typ, ep, now.UnixNano())
	for _, k := range []string{"createdAt", "updatedAt"} {
		if _, ok := obj[k]; ok {
			obj[k] = now.UnixMilli()
		}
	}
	if strings.HasPrefix(typ, "webhook_endpoint.") {
		t.Org = "" // account-level, as the real one
	}
	ev, err := d.Store.VersionEvent(ctx, account, core.NewEvent(t, typ, obj, prev, domain.Meta{RequestID: requestID}, now))
	if err != nil {
		return webhookstore.Delivery{}, err
	}
	ev["test"] = true
	evID := ev["id"].(string)
	del := webhookstore.Delivery{ID: webhookstore.DeliveryID(evID, ep.ID), Account: account, Mode: mode, EndpointID: ep.ID, EventID: evID, EventType: typ,
		Status: webhookstore.DeliveryPending, RoundStartedAt: now.UnixMilli(), NextAttemptAt: now.UnixMilli(), DueAt: now.Add(SafetyNet).UnixMilli(),
		CreatedAt: now.UnixMilli(), UpdatedAt: now.UnixMilli()}
	if err := d.Store.PutTestEvent(ctx, ev, del); err != nil {
		return webhookstore.Delivery{}, err
	}
	if err := d.send(ctx, Message{Kind: KindDelivery, Account: account, Mode: mode, EndpointID: ep.ID, DeliveryID: del.ID}, 0); err != nil {
		// The due entry re-enqueues it after SafetyNet, as for any first attempt.
		d.log().Warn("webhook: enqueue test delivery; the sweeper will pick it up", "delivery", del.ID, "err", err)
	}
	return del, nil
}

// sampleOrganization is the organization a sample event names: the sandbox in test mode, the
// first active connection in live mode (none when there is no connection).
func (d *Dispatcher) sampleOrganization(ctx context.Context, account, mode string) (string, error) {
	if mode == domain.Test {
		acct, err := d.Store.GetAccount(ctx, account)
		return acct.SandboxOrg, err
	}
	conns, err := d.Store.Connections(ctx, account)
	if err != nil {
		return "", err
	}
	for _, c := range conns {
		if c.Status == "active" {
			return c.Org, nil
		}
	}
	return "", nil
}

// SampleObject builds the data of a sample event of typ: an object like the sandbox's (fresh
// ids from seed) in the state the type describes, and the previous attributes of an update.
func SampleObject(t domain.Tenant, typ string, ep webhookstore.Endpoint, seed int64) (domain.Doc, domain.Doc) {
	object, action, _ := strings.Cut(typ, ".")
	if object == "webhook_endpoint" {
		ep.Status, ep.DisabledReason = webhookstore.EndpointDisabled, "Every delivery failed for 5 days."
		return ep.Doc(), domain.Doc{"status": webhookstore.EndpointEnabled, "disabledReason": nil}
	}
	data := sandbox.Generate(t, uint64(seed), sandbox.Sizes{Patients: 3, Practitioners: 1, Appointments: 20, Messages: 1, Invoices: 20})
	pick := func(docs []domain.Doc, status string) domain.Doc {
		for _, doc := range docs {
			if status == "" || doc["status"] == status {
				return doc
			}
		}
		if len(docs) == 0 {
			return nil
		}
		doc := docs[0]
		if status != "" {
			doc["status"] = status
		}
		return doc
	}
	var obj domain.Doc
	switch object {
	case "patient":
		obj = pick(data.Patients, "")
	case "practitioner":
		obj = pick(data.Practitioners, "")
	case "appointment":
		obj = pick(data.Appointments, map[bool]string{true: "cancelled"}[action == "cancelled"])
	case "message":
		obj = pick(data.Messages, "")
	case "invoice":
		obj = pick(data.Invoices, map[bool]string{true: "paid"}[action == "paid"])
	case "organization":
		if t.Org != "" {
			obj = sandbox.Organization(t.Org, sandbox.Anchor)
			obj["livemode"] = t.Live()
		}
	}
	if obj == nil {
		// A resource the sandbox does not make: its common fields only.
		prefix := object
		for _, r := range schema.All() {
			if r.Object == object {
				prefix = r.Prefix
			}
		}
		obj = domain.Doc{"id": core.NewID(prefix, sandbox.Anchor), "object": object, "organizationId": nilIfEmpty(t.Org),
			"livemode": t.Live(), "metadata": map[string]any{}, "createdAt": int64(0), "updatedAt": int64(0)}
	}
	var prev domain.Doc
	switch action {
	case "updated":
		// One changed field, as a real update would list it.
		old, _ := obj["metadata"].(map[string]any)
		md := map[string]any{}
		for k, v := range old {
			md[k] = v
		}
		md["example"] = "updated"
		prev = domain.Doc{"metadata": old}
		obj["metadata"] = md
	case "cancelled", "paid":
		prev = domain.Doc{"status": map[string]string{"cancelled": "booked", "paid": "open"}[action]}
	}
	return obj, prev
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// sendTest serves POST /webhook-endpoints/{id}/test with an optional {"type": "..."}.
func (a *API) sendTest(r *api.Request) (api.Response, error) {
	id, err := endpointID(r)
	if err != nil {
		return api.Response{}, err
	}
	var b struct {
		Type *string `json:"type"`
	}
	if len(bytes.TrimSpace(r.Body)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(r.Body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&b); err != nil {
			return api.Response{}, apperr.Field("body", "must be {\"type\": \"<event type>\"} or empty")
		}
	}
	typ := ""
	if b.Type != nil {
		if typ = *b.Type; typ == "" {
			return api.Response{}, apperr.Field("type", "must be an event type such as patient.created (or leave it out)")
		}
	}
	del, err := a.Dispatcher.SendTest(r.Ctx, r.Principal.AccountID, r.Principal.Mode, id, typ, r.RequestID)
	if err != nil {
		return api.Response{}, err
	}
	return api.Response{Status: http.StatusAccepted, Body: del.Doc()}, nil
}
