package hapihub

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"time"
)

// WebhookRecovery is what WebhookEndpoints.Recover did: the failed deliveries it queued again.
type WebhookRecovery struct {
	Object            string   `json:"object"`
	Livemode          bool     `json:"livemode"`
	WebhookEndpointID string   `json:"webhookEndpointId"`
	Since             int64    `json:"since"`
	Until             int64    `json:"until"`
	Recovered         int      `json:"recovered"`
	DeliveryIDs       []string `json:"deliveryIds"`
	// HasMore says failed deliveries remain in the range: call Recover again from NextSince.
	HasMore   bool   `json:"hasMore"`
	NextSince *int64 `json:"nextSince"`
}

// Recover queues again every failed delivery of the endpoint whose event was created at or
// after since (at most 14 days ago) and before until (zero: now). Each call queues at most 100;
// RecoverAll follows HasMore.
func (s *WebhookEndpointService) Recover(ctx context.Context, id string, since, until time.Time, opts ...RequestOption) (*WebhookRecovery, error) {
	body := map[string]int64{"since": since.UnixMilli()}
	if !until.IsZero() {
		body["until"] = until.UnixMilli()
	}
	var out WebhookRecovery
	if err := s.c.do(ctx, http.MethodPost, s.path+"/"+url.PathEscape(id)+"/recover", "", body, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}

// RecoverAll calls Recover until no failed delivery is left in the range and returns how many
// deliveries it queued.
func (s *WebhookEndpointService) RecoverAll(ctx context.Context, id string, since, until time.Time, opts ...RequestOption) (int, error) {
	n := 0
	for {
		r, err := s.Recover(ctx, id, since, until, opts...)
		if err != nil {
			return n, err
		}
		n += r.Recovered
		if !r.HasMore || r.NextSince == nil {
			return n, nil
		}
		since, until = time.UnixMilli(*r.NextSince), time.UnixMilli(r.Until)
	}
}

// EventType describes one event type: what it means and the JSON Schema of its payload.
type EventType struct {
	Object      string `json:"object"`
	Type        string `json:"type"`
	Resource    string `json:"resource"`
	Description string `json:"description"`
	// Schema is a JSON Schema (2020-12) of the whole event as delivered.
	Schema json.RawMessage `json:"schema"`
}

// EventTypeList is every event type (one page).
type EventTypeList struct {
	Data  []EventType `json:"data"`
	Total int         `json:"total"`
}

// Types lists the event types endpoints can subscribe to; pattern ("" for all, "patient.*")
// narrows the list.
func (s *EventService) Types(ctx context.Context, pattern string, opts ...RequestOption) (*EventTypeList, error) {
	q := ""
	if pattern != "" {
		q = url.Values{"type": {pattern}}.Encode()
	}
	var out EventTypeList
	if err := s.c.do(ctx, http.MethodGet, "/event-types", q, nil, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}

// WebhookSourceIPs are the addresses webhook deliveries come from.
type WebhookSourceIPs struct {
	Object string `json:"object"`
	// StaticEgress is true when every delivery comes from Addresses; false when the deployment
	// has no fixed addresses (Note says why), or under the local runner.
	StaticEgress bool     `json:"staticEgress"`
	Addresses    []string `json:"addresses"`
	CIDRs        []string `json:"cidrs"`
	Note         string   `json:"note"`
}

// SourceIPs reads GET /webhook-source-ips (which needs no key).
func (s *WebhookEndpointService) SourceIPs(ctx context.Context, opts ...RequestOption) (*WebhookSourceIPs, error) {
	var out WebhookSourceIPs
	if err := s.c.do(ctx, http.MethodGet, "/webhook-source-ips", "", nil, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}

// The sandbox's test organizations: send one with WithOrganization (or the Organization
// request option) and a test key to make the API fail on purpose.
const (
	// TestOrgRevoked answers every request with CREDENTIALS_ERROR (403), as a clinic that
	// revoked access does.
	TestOrgRevoked = "org_test_revoked"
	// TestOrgNoMessages is a clinic whose PMS has no messages: Messages calls fail with
	// METHOD_NOT_SUPPORTED (404); other resources work on its own small data.
	TestOrgNoMessages = "org_test_no_messages"
)
