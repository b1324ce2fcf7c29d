package webhook

import (
	"bytes"
	"encoding/json"
	"net/http"
	"time"

	"github.com/hapihub/hapihub/shared/api"
	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/store/core"
	"github.com/hapihub/hapihub/shared/store/webhookstore"
)

// Recovery after an outage (POST /webhook-endpoints/{id}/recover, as Svix's recover): every
// failed delivery of the endpoint whose event was created in [since, until) starts a new round of
// attempts, exactly as a resend. A delivery is failed when its attempts ended without a 2xx: its
// retries ran out, it answered 410 Gone, or the endpoint was disabled or deleted when an attempt
// was due. Deliveries still pending or already succeeded are left alone, so recovering twice
// re-sends nothing twice.
const (
	// MaxRecoverWindow bounds since: deliveries and events are kept 30 days, and a recovery this
	// far back is an outage, not a backfill (GET /events serves that).
	MaxRecoverWindow = 14 * 24 * time.Hour
	// RecoverBatch bounds one call, so it ends well inside the API's 10 s. A larger backlog
	// answers hasMore with nextSince: call again from there.
	RecoverBatch = 100
)

// recoverBatch is RecoverBatch; tests lower it to reach hasMore with a few deliveries.
var recoverBatch = RecoverBatch

type recoverBody struct {
	Since *int64 `json:"since"`
	Until *int64 `json:"until"`
}

func (a *API) recover(r *api.Request) (api.Response, error) {
	id, err := endpointID(r)
	if err != nil {
		return api.Response{}, err
	}
	var b recoverBody
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.DisallowUnknownFields()
	if len(bytes.TrimSpace(r.Body)) == 0 || dec.Decode(&b) != nil {
		return api.Response{}, apperr.Field("body", "must be {\"since\": <Unix ms>, \"until\"?: <Unix ms>}")
	}
	now := a.Store.Now()
	since, until, err := recoverWindow(b, now)
	if err != nil {
		return api.Response{}, err
	}
	p := r.Principal
	ep, err := a.Store.GetEndpoint(r.Ctx, p.AccountID, p.Mode, id)
	if err != nil {
		return api.Response{}, err
	}
	if ep.Status != webhookstore.EndpointEnabled {
		return api.Response{}, apperr.New(apperr.InvalidParameters, "Webhook endpoint %s is disabled; enable it (PATCH {\"status\": \"enabled\"}) before recovering.", ep.ID).WithCode("webhook_endpoint_disabled")
	}
	failed, more, err := a.Store.FailedDeliveries(r.Ctx, p.AccountID, p.Mode, id, since, until, recoverBatch+1)
	if err != nil {
		return api.Response{}, err
	}
	more = more || len(failed) > recoverBatch
	var next any
	if len(failed) > recoverBatch {
		next = eventTime(failed[recoverBatch])
		failed = failed[:recoverBatch]
	}
	ids := []any{}
	for _, d := range failed {
		if _, err := a.Dispatcher.Resend(r.Ctx, p.AccountID, p.Mode, id, d.ID); err != nil {
			return api.Response{}, err
		}
		ids = append(ids, d.ID)
	}
	return api.Response{Status: http.StatusAccepted, Body: map[string]any{
		"object": "webhook_recovery", "livemode": p.Mode == domain.Live, "webhookEndpointId": id,
		"since": since.UnixMilli(), "until": until.UnixMilli(), "recovered": len(ids), "deliveryIds": ids,
		"hasMore": more, "nextSince": next,
	}}, nil
}

// recoverWindow checks since and until: since within MaxRecoverWindow and before until; until
// (default now) not in the future.
func recoverWindow(b recoverBody, now time.Time) (time.Time, time.Time, error) {
	if b.Since == nil {
		return time.Time{}, time.Time{}, apperr.Field("since", "is required: the Unix time in ms to recover failed deliveries from")
	}
	until := now
	if b.Until != nil {
		until = time.UnixMilli(*b.Until)
		if until.After(now) {
			return time.Time{}, time.Time{}, apperr.Field("until", "must not be in the future")
		}
	}
	since := time.UnixMilli(*b.Since)
	if since.Before(now.Add(-MaxRecoverWindow)) {
		return time.Time{}, time.Time{}, apperr.Field("since", "must be within the last 14 days (%d or later)", now.Add(-MaxRecoverWindow).UnixMilli())
	}
	if !since.Before(until) {
		return time.Time{}, time.Time{}, apperr.Field("since", "must be before until (default now)")
	}
	return since, until, nil
}

// eventTime is the creation time of a delivery's event, which its id begins with.
func eventTime(d webhookstore.Delivery) int64 {
	if t, ok := core.IDTime(d.ID); ok {
		return t.UnixMilli()
	}
	return d.CreatedAt
}
