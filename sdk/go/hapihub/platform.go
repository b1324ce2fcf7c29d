package hapihub

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"net/url"
)

// Event is a change to an object, kept 30 days: GET /events, webhook payloads.
type Event struct {
	ID     string `json:"id"`
	Object string `json:"object"`
	// Type is patient.created, appointment.cancelled, invoice.paid, ...
	Type      string `json:"type"`
	CreatedAt int64  `json:"createdAt"`
	Livemode  bool   `json:"livemode"`
	// OrganizationID is empty for account-level events (webhook_endpoint.*).
	OrganizationID string       `json:"organizationId,omitempty"`
	Data           EventData    `json:"data"`
	Request        EventRequest `json:"request"`
	// Test is true on a sample event sent with WebhookEndpoints.SendTest.
	Test bool `json:"test,omitempty"`
	// APIVersion is the API version Data is shaped in: the account's when the event happened.
	APIVersion string `json:"apiVersion"`
}

// EventData is the object after the change and, for updates, the changed fields' old values.
type EventData struct {
	// Object is the object as JSON; decode it with Event.Decode.
	Object json.RawMessage `json:"object"`
	// PreviousAttributes are the changed top-level fields with their old values (null when new).
	PreviousAttributes map[string]any `json:"previousAttributes,omitempty"`
}

// EventRequest names the API request that made the change.
type EventRequest struct {
	ID             string `json:"id,omitempty"`
	IdempotencyKey string `json:"idempotencyKey,omitempty"`
}

// Decode unmarshals the event's object into v, such as a *Patient for patient.* events.
func (e *Event) Decode(v any) error { return json.Unmarshal(e.Data.Object, v) }

// EventService reads events. Filters: Eq("type", "patient.*") or In("type", ...), and createdAt
// ranges (Gt, Gte, Lt, Lte); newest first.
type EventService struct {
	reader[Event]
}

// WebhookEndpoint receives signed events at a URL.
type WebhookEndpoint struct {
	ID       string `json:"id"`
	Object   string `json:"object"`
	Livemode bool   `json:"livemode"`
	URL      string `json:"url"`
	// EnabledEvents are event types or patterns: "*", "patient.*", "invoice.paid".
	EnabledEvents []string `json:"enabledEvents"`
	Description   string   `json:"description,omitempty"`
	// Status is enabled or disabled.
	Status         string            `json:"status"`
	DisabledReason string            `json:"disabledReason,omitempty"`
	Metadata       map[string]string `json:"metadata,omitempty"`
	// Headers are sent with every delivery (names in canonical form, X-Api-Key).
	Headers map[string]string `json:"headers,omitempty"`
	// Secret verifies deliveries (VerifySignature); present on create, get and roll-secret.
	Secret    string `json:"secret,omitempty"`
	CreatedAt int64  `json:"createdAt"`
	UpdatedAt int64  `json:"updatedAt"`
	// Deleted is true on the endpoint a Delete returns.
	Deleted bool `json:"deleted,omitempty"`
	// APIVersion, when set, is the API version deliveries are rendered in; empty follows each
	// event's own (its account's when written).
	APIVersion string `json:"apiVersion,omitempty"`
}

// WebhookEndpointParams create or change an endpoint; nil fields are left as they are.
type WebhookEndpointParams struct {
	URL           *string   `json:"url,omitempty"`
	EnabledEvents *[]string `json:"enabledEvents,omitempty"`
	Description   *string   `json:"description,omitempty"`
	// Status: "enabled" or "disabled".
	Status *string `json:"status,omitempty"`
	// Metadata keys to set; a nil value removes the key.
	Metadata map[string]*string `json:"metadata,omitempty"`
	// Headers to send with every delivery; a nil value removes the header. Hop-by-hop headers,
	// Host, Content-*, User-Agent and the signature headers cannot be set.
	Headers map[string]*string `json:"headers,omitempty"`
	// APIVersion renders deliveries in this API version (on create only; docs/versioning.md).
	APIVersion *string `json:"apiVersion,omitempty"`
}

// WebhookDelivery is one event's delivery to one endpoint, with every attempt.
type WebhookDelivery struct {
	ID                string `json:"id"`
	Object            string `json:"object"`
	Livemode          bool   `json:"livemode"`
	WebhookEndpointID string `json:"webhookEndpointId"`
	EventID           string `json:"eventId"`
	EventType         string `json:"eventType"`
	// Status is pending, succeeded or failed.
	Status        string           `json:"status"`
	Attempts      []WebhookAttempt `json:"attempts"`
	AttemptCount  int              `json:"attemptCount"`
	NextAttemptAt *int64           `json:"nextAttemptAt,omitempty"`
	CreatedAt     int64            `json:"createdAt"`
	UpdatedAt     int64            `json:"updatedAt"`
}

// WebhookAttempt is one HTTP request of a delivery.
type WebhookAttempt struct {
	AttemptedAt int64 `json:"attemptedAt"`
	DurationMs  int64 `json:"durationMs"`
	// StatusCode is the receiver's answer; nil when there was none (see Error).
	StatusCode *int `json:"statusCode,omitempty"`
	// ResponseBody is the first 1 KB of the answer.
	ResponseBody string `json:"responseBody,omitempty"`
	Error        string `json:"error,omitempty"`
}

// WebhookEndpointService manages webhook endpoints and their deliveries.
type WebhookEndpointService struct {
	reader[WebhookEndpoint]
}

func (s *WebhookEndpointService) send(ctx context.Context, method, path string, body any, opts []RequestOption) (*WebhookEndpoint, error) {
	var out WebhookEndpoint
	if err := s.c.do(ctx, method, path, "", body, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}

// Create makes an endpoint; URL and EnabledEvents are required. The answer carries its Secret.
func (s *WebhookEndpointService) Create(ctx context.Context, p *WebhookEndpointParams, opts ...RequestOption) (*WebhookEndpoint, error) {
	return s.send(ctx, http.MethodPost, s.path, p, opts)
}

// Update changes the given fields of an endpoint (PATCH).
func (s *WebhookEndpointService) Update(ctx context.Context, id string, p *WebhookEndpointParams, opts ...RequestOption) (*WebhookEndpoint, error) {
	return s.send(ctx, http.MethodPatch, s.path+"/"+url.PathEscape(id), p, opts)
}

// Delete removes an endpoint.
func (s *WebhookEndpointService) Delete(ctx context.Context, id string, opts ...RequestOption) (*WebhookEndpoint, error) {
	return s.send(ctx, http.MethodDelete, s.path+"/"+url.PathEscape(id), nil, opts)
}

// RollSecret replaces the endpoint's secret. The old one keeps signing deliveries (beside the
// new one) for expiresInSeconds (0..86400; 0 retires it at once). It sends the route's first form;
// RollSecretUntil sends the canonical one, as APIKeyService.Roll does.
func (s *WebhookEndpointService) RollSecret(ctx context.Context, id string, expiresInSeconds int64, opts ...RequestOption) (*WebhookEndpoint, error) {
	return s.send(ctx, http.MethodPost, s.path+"/"+url.PathEscape(id)+"/roll-secret", map[string]int64{"expiresInSeconds": expiresInSeconds}, opts)
}

// RollSecretUntil replaces the endpoint's secret. The old one keeps signing deliveries (beside
// the new one) until expiresAt (Unix ms, at most 24 hours ahead); 0 retires it at once. The
// same form as APIKeyService.Roll (docs/webhooks.md#rolling-a-secret).
func (s *WebhookEndpointService) RollSecretUntil(ctx context.Context, id string, expiresAt int64, opts ...RequestOption) (*WebhookEndpoint, error) {
	body := map[string]any{}
	if expiresAt != 0 {
		body["expiresAt"] = expiresAt
	}
	return s.send(ctx, http.MethodPost, s.path+"/"+url.PathEscape(id)+"/roll-secret", body, opts)
}

// Deliveries lists an endpoint's deliveries, newest first. q takes Limit, Skip and
// Eq("status", "pending"|"succeeded"|"failed").
func (s *WebhookEndpointService) Deliveries(ctx context.Context, endpointID string, q *Query, opts ...RequestOption) (*List[WebhookDelivery], error) {
	var out List[WebhookDelivery]
	if err := s.c.do(ctx, http.MethodGet, s.deliveriesPath(endpointID), q.Encode(), nil, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}

// AllDeliveries iterates over an endpoint's deliveries.
func (s *WebhookEndpointService) AllDeliveries(ctx context.Context, endpointID string, q *Query, opts ...RequestOption) iter.Seq2[WebhookDelivery, error] {
	return paginate(ctx, q, func(ctx context.Context, q *Query) (*List[WebhookDelivery], error) {
		return s.Deliveries(ctx, endpointID, q, opts...)
	})
}

func (s *WebhookEndpointService) deliveriesPath(endpointID string) string {
	return s.path + "/" + url.PathEscape(endpointID) + "/deliveries"
}

// Delivery reads one delivery with its attempts.
func (s *WebhookEndpointService) Delivery(ctx context.Context, endpointID, deliveryID string, opts ...RequestOption) (*WebhookDelivery, error) {
	var out WebhookDelivery
	if err := s.c.do(ctx, http.MethodGet, s.deliveriesPath(endpointID)+"/"+url.PathEscape(deliveryID), "", nil, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}

// Resend queues a delivery again (a new round of attempts), whatever its status.
func (s *WebhookEndpointService) Resend(ctx context.Context, endpointID, deliveryID string, opts ...RequestOption) (*WebhookDelivery, error) {
	var out WebhookDelivery
	if err := s.c.do(ctx, http.MethodPost, s.deliveriesPath(endpointID)+"/"+url.PathEscape(deliveryID)+"/resend", "", nil, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}

// SendTest sends a sample event of eventType ("" lets the server choose one the endpoint
// receives) to this endpoint only, through the normal delivery path: signed, retried and listed
// in its deliveries. The event carries "test": true; the answer is the queued delivery, whose
// EventID reads the event with Events.Get.
func (s *WebhookEndpointService) SendTest(ctx context.Context, id, eventType string, opts ...RequestOption) (*WebhookDelivery, error) {
	var body any
	if eventType != "" {
		body = map[string]string{"type": eventType}
	}
	var out WebhookDelivery
	if err := s.c.do(ctx, http.MethodPost, s.path+"/"+url.PathEscape(id)+"/test", "", body, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}

// APIKey is an API key. Secret is the full key only when it can be shown (test keys and
// publishable keys always; a live secret or restricted key only when created or rolled),
// otherwise redacted to its last four characters.
type APIKey struct {
	ID     string `json:"id"`
	Object string `json:"object"`
	// Type is secret, publishable or restricted.
	Type     string `json:"type"`
	Livemode bool   `json:"livemode"`
	Name     string `json:"name"`
	// Note says where the key is stored.
	Note   string `json:"note,omitempty"`
	Secret string `json:"secret"`
	// Status is active, expiring (rolled, in its grace period), expired or revoked.
	Status    string `json:"status"`
	CreatedAt int64  `json:"createdAt"`
	ExpiresAt *int64 `json:"expiresAt,omitempty"`
	// Permissions of a restricted key: resource -> none, read or write.
	Permissions map[string]string `json:"permissions,omitempty"`
	// RolledFrom is the key this one replaced (on a roll's answer).
	RolledFrom string `json:"rolledFrom,omitempty"`
}

// APIKeyParams create a restricted key or relabel a key.
type APIKeyParams struct {
	Name *string `json:"name,omitempty"`
	Note *string `json:"note,omitempty"`
	// Type must be "restricted" on create (or left out).
	Type *string `json:"type,omitempty"`
	// Permissions of a restricted key: resource (patients, events, webhook-endpoints, ...) ->
	// none, read or write.
	Permissions map[string]string `json:"permissions,omitempty"`
}

// APIKeyService manages the account's keys of the client's mode; it needs a secret key.
type APIKeyService struct{ c *Client }

// List returns every key of the mode, redacted.
func (s *APIKeyService) List(ctx context.Context, opts ...RequestOption) (*List[APIKey], error) {
	var out List[APIKey]
	if err := s.c.do(ctx, http.MethodGet, "/api-keys", "", nil, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}

func (s *APIKeyService) send(ctx context.Context, method, path string, body any, opts []RequestOption) (*APIKey, error) {
	var out APIKey
	if err := s.c.do(ctx, method, path, "", body, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}

// Get reads a key, revealing it in full when it can be shown.
func (s *APIKeyService) Get(ctx context.Context, id string, opts ...RequestOption) (*APIKey, error) {
	return s.send(ctx, http.MethodGet, "/api-keys/"+url.PathEscape(id), nil, opts)
}

// Create makes a restricted key; its full secret is in this answer.
func (s *APIKeyService) Create(ctx context.Context, p *APIKeyParams, opts ...RequestOption) (*APIKey, error) {
	return s.send(ctx, http.MethodPost, "/api-keys", p, opts)
}

// Update changes a key's name or note, and a restricted key's Permissions (the whole set; an
// empty map cannot be told from none here: use SetPermissions to take every permission away).
func (s *APIKeyService) Update(ctx context.Context, id string, p *APIKeyParams, opts ...RequestOption) (*APIKey, error) {
	return s.send(ctx, http.MethodPatch, "/api-keys/"+url.PathEscape(id), p, opts)
}

// SetPermissions replaces a restricted key's permissions (resource -> none, read or write; a
// resource left out is none). A secret or publishable key answers ErrInvalidParameters naming
// "permissions". The authorizer's cached policy keeps the old access for up to 300 s.
func (s *APIKeyService) SetPermissions(ctx context.Context, id string, perms map[string]string, opts ...RequestOption) (*APIKey, error) {
	if perms == nil {
		perms = map[string]string{}
	}
	return s.send(ctx, http.MethodPatch, "/api-keys/"+url.PathEscape(id), map[string]any{"permissions": perms}, opts)
}

// Revoke blocks a restricted key at once (standard keys are rolled instead).
func (s *APIKeyService) Revoke(ctx context.Context, id string, opts ...RequestOption) (*APIKey, error) {
	return s.send(ctx, http.MethodDelete, "/api-keys/"+url.PathEscape(id), nil, opts)
}

// Roll replaces a key with a new one, returned in full. The old key works until expiresAt (Unix
// ms, at most 12 hours ahead); 0 blocks it at once.
func (s *APIKeyService) Roll(ctx context.Context, id string, expiresAt int64, opts ...RequestOption) (*APIKey, error) {
	body := map[string]any{}
	if expiresAt != 0 {
		body["expiresAt"] = expiresAt
	}
	return s.send(ctx, http.MethodPost, "/api-keys/"+url.PathEscape(id)+"/roll", body, opts)
}

// Token wraps data a browser collected with a publishable key, for the server to read within an
// hour.
type Token struct {
	ID       string `json:"id"`
	Object   string `json:"object"`
	Type     string `json:"type"`
	Livemode bool   `json:"livemode"`
	// Data is the validated payload: for patient_intake, patient fields.
	Data      *Patient `json:"data"`
	CreatedAt int64    `json:"createdAt"`
	ExpiresAt int64    `json:"expiresAt"`
}

// TokenService creates tokens (publishable keys) and reads them (secret keys).
type TokenService struct{ c *Client }

// CreatePatientIntake wraps patient fields in a patient_intake token; call it with a publishable key.
func (s *TokenService) CreatePatientIntake(ctx context.Context, p *Patient, opts ...RequestOption) (*Token, error) {
	data, err := writable("patients", p)
	if err != nil {
		return nil, err
	}
	var out Token
	body := map[string]any{"type": "patient_intake", "data": data}
	if err := s.c.do(ctx, http.MethodPost, "/tokens", "", body, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}

// Get reads a token.
func (s *TokenService) Get(ctx context.Context, id string, opts ...RequestOption) (*Token, error) {
	var out Token
	if err := s.c.do(ctx, http.MethodGet, "/tokens/"+url.PathEscape(id), "", nil, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}

// IPAllowlist restricts where live-mode requests may come from; empty allows everywhere.
type IPAllowlist struct {
	Object string   `json:"object"`
	CIDRs  []string `json:"cidrs"`
}

// AccountService reads and changes account settings (secret keys).
type AccountService struct{ c *Client }

// IPAllowlist reads the account's IP allowlist.
func (s *AccountService) IPAllowlist(ctx context.Context, opts ...RequestOption) (*IPAllowlist, error) {
	var out IPAllowlist
	if err := s.c.do(ctx, http.MethodGet, "/account/ip-allowlist", "", nil, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}

// SetIPAllowlist replaces the list (CIDRs or bare addresses); only a live secret key may, and not
// so as to refuse the request making the change.
func (s *AccountService) SetIPAllowlist(ctx context.Context, cidrs []string, opts ...RequestOption) (*IPAllowlist, error) {
	if cidrs == nil {
		cidrs = []string{}
	}
	var out IPAllowlist
	if err := s.c.do(ctx, http.MethodPut, "/account/ip-allowlist", "", map[string]any{"cidrs": cidrs}, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}

// SandboxReset is a sandbox reset: a job the API queues (202) and a worker runs. Status is
// "queued", "running" or "succeeded"; Deleted and Seeded count per resource once it succeeded.
type SandboxReset struct {
	Object         string `json:"object"`
	ID             string `json:"id"`
	OrganizationID string `json:"organizationId"`
	Livemode       bool   `json:"livemode"`
	Status         string `json:"status"`
	Step           string `json:"step"`
	Progress       struct {
		Done  int `json:"done"`
		Total int `json:"total"`
	} `json:"progress"`
	Deleted    map[string]int `json:"deleted"`
	Seeded     map[string]int `json:"seeded"`
	CreatedAt  int64          `json:"createdAt"`
	UpdatedAt  int64          `json:"updatedAt"`
	FinishedAt *int64         `json:"finishedAt"` // nil until it succeeded
}

// SandboxService resets the test-mode sandbox clinic.
type SandboxService struct{ c *Client }

// Reset starts a reset of St. Mungo's (test keys): every object is deleted and its deterministic
// data seeded again, off the request. A reset asked for while one is queued or running joins it.
// Poll Status until Status is "succeeded".
func (s *SandboxService) Reset(ctx context.Context, opts ...RequestOption) (*SandboxReset, error) {
	var out SandboxReset
	if err := s.c.do(ctx, http.MethodPost, "/sandbox/reset", "", nil, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}

// Status is the sandbox's current or last reset (NOT_FOUND before the first).
func (s *SandboxService) Status(ctx context.Context, opts ...RequestOption) (*SandboxReset, error) {
	var out SandboxReset
	if err := s.c.do(ctx, http.MethodGet, "/sandbox/reset", "", nil, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}
