package hapihub

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// DefaultBaseURL is HAPI Hub's API.
const DefaultBaseURL = "https://api.hapihub.com"

// Version is this library's version, sent in the User-Agent.
const Version = "0.1.0"

// Client calls the HAPI Hub API with one key. It is safe for concurrent use.
type Client struct {
	baseURL      string
	key          string
	http         *http.Client
	organization string
	apiVersion   string // WithAPIVersion
	userAgent    string
	maxRetries   int
	minBackoff   time.Duration
	maxBackoff   time.Duration
	maxWait      time.Duration
	// sleep waits between attempts; tests replace it to observe the waits without taking them.
	sleep func(ctx context.Context, d time.Duration) error
	// strict makes decoding refuse fields the types lack (WithStrictDecoding).
	strict bool

	Patients      *Service[Patient]
	Practitioners *Service[Practitioner]
	Appointments  *Service[Appointment]
	Messages      *Service[Message]
	Invoices      *Service[Invoice]
	Organizations *OrganizationService

	Events           *EventService
	WebhookEndpoints *WebhookEndpointService
	APIKeys          *APIKeyService
	Tokens           *TokenService
	Account          *AccountService
	Sandbox          *SandboxService
	RequestLogs      *RequestLogService
}

// Option configures a Client.
type Option func(*Client)

// WithBaseURL points the client at another API, such as the local runner (http://localhost:3000).
func WithBaseURL(u string) Option { return func(c *Client) { c.baseURL = strings.TrimRight(u, "/") } }

// WithHTTPClient replaces http.DefaultClient.
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// WithOrganization sends HapiHub-Organization on every request: the organization a live key
// connected to several clinics acts on. ForOrganization overrides it per call.
func WithOrganization(id string) Option { return func(c *Client) { c.organization = id } }

// WithMaxRetries sets how many times a failed call is retried (default 3; 0 disables retries).
func WithMaxRetries(n int) Option { return func(c *Client) { c.maxRetries = max(n, 0) } }

// WithBackoff sets the first retry's delay and the cap of the exponential backoff (defaults 500 ms
// and 8 s). Each delay is drawn at random between half and all of min·2^attempt (jitter).
func WithBackoff(min, max time.Duration) Option {
	return func(c *Client) { c.minBackoff, c.maxBackoff = min, max }
}

// WithMaxRetryAfter caps how long the client honours a Retry-After; a longer one ends the
// retries and returns the error (default 60 s).
func WithMaxRetryAfter(d time.Duration) Option { return func(c *Client) { c.maxWait = d } }

// WithUserAgent prefixes the User-Agent, e.g. "my-app/1.2".
func WithUserAgent(ua string) Option {
	return func(c *Client) { c.userAgent = ua + " " + c.userAgent }
}

// WithStrictDecoding makes a response with a field the types lack fail the call instead of
// dropping the field. The server's own tests use it so that a field added on the server and not
// here fails a test; applications should leave it off, so that new fields never break them.
func WithStrictDecoding() Option { return func(c *Client) { c.strict = true } }

// New returns a client for key: a secret (sk_), restricted (rk_) or publishable (pk_) key.
func New(key string, opts ...Option) *Client {
	c := &Client{
		baseURL: DefaultBaseURL, key: key, http: http.DefaultClient, userAgent: "hapihub-go/" + Version,
		maxRetries: 3, minBackoff: 500 * time.Millisecond, maxBackoff: 8 * time.Second, maxWait: time.Minute,
		sleep: sleepCtx,
	}
	for _, o := range opts {
		o(c)
	}
	c.Patients = &Service[Patient]{reader[Patient]{c, "/patients"}}
	c.Practitioners = &Service[Practitioner]{reader[Practitioner]{c, "/practitioners"}}
	c.Appointments = &Service[Appointment]{reader[Appointment]{c, "/appointments"}}
	c.Messages = &Service[Message]{reader[Message]{c, "/messages"}}
	c.Invoices = &Service[Invoice]{reader[Invoice]{c, "/invoices"}}
	c.Organizations = &OrganizationService{reader[Organization]{c, "/organizations"}}
	c.Events = &EventService{reader[Event]{c, "/events"}}
	c.WebhookEndpoints = &WebhookEndpointService{reader[WebhookEndpoint]{c, "/webhook-endpoints"}}
	c.APIKeys = &APIKeyService{c}
	c.Tokens = &TokenService{c}
	c.Account = &AccountService{c}
	c.Sandbox = &SandboxService{c}
	c.RequestLogs = &RequestLogService{reader[RequestLog]{c, "/request-logs"}}
	return c
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Response describes the HTTP response of a call; pass CaptureResponse to get it.
type Response struct {
	Status int
	Header http.Header
	// Attempts is how many requests the call took (1 without retries).
	Attempts int
}

// ETag is the object's version tag, for IfMatch.
func (r *Response) ETag() string { return r.Header.Get("ETag") }

// RequestID names the request in HAPI Hub's request logs (Request-Id; the API Gateway's own
// answers carry only x-amzn-RequestId, the same id).
func (r *Response) RequestID() string { return requestID(r.Header) }

func requestID(h http.Header) string { return cmp(h.Get("Request-Id"), h.Get("X-Amzn-Requestid")) }

// Replayed reports whether the answer is the saved response of an earlier request with the same
// Idempotency-Key.
func (r *Response) Replayed() bool { return r.Header.Get("Idempotent-Replayed") == "true" }

// OriginalRequest is, on a replayed answer, the request id of the request whose answer it is
// (Original-Request): the one to look up in the request logs. Empty otherwise, and on replays of
// answers saved before the API sent it.
func (r *Response) OriginalRequest() string { return r.Header.Get("Original-Request") }

// RequestOption adjusts one call.
type RequestOption func(*callOptions)

type callOptions struct {
	idempotencyKey string
	ifMatch        string
	organization   string
	response       *Response
	header         http.Header
	expand         []string
}

// Expand asks a Get, List or All to return the objects these references name, beside their ids:
// Expand("patient", "practitioner") on appointments fills Appointment.Patient and
// Appointment.Practitioner; Expand("appointment.patient") on invoices goes two levels (the most
// allowed). On lists the server also accepts Stripe's "data.patient". A restricted key needs read
// permission on every resource expanded. Writes ignore it.
func Expand(paths ...string) RequestOption {
	return func(o *callOptions) { o.expand = append(o.expand, paths...) }
}

// IdempotencyKey sets the call's Idempotency-Key; by default each write gets a fresh UUID, the same
// across the client's own retries of that call.
func IdempotencyKey(key string) RequestOption {
	return func(o *callOptions) { o.idempotencyKey = key }
}

// IfMatch makes a write conditional on the object's ETag (from Response.ETag): if it changed
// meanwhile the call fails with PRECONDITION_FAILED (412) and is not retried.
func IfMatch(etag string) RequestOption { return func(o *callOptions) { o.ifMatch = etag } }

// ForOrganization sends HapiHub-Organization for this call.
func ForOrganization(id string) RequestOption { return func(o *callOptions) { o.organization = id } }

// CaptureResponse stores the call's status and headers in r (also when the call fails with an
// *Error).
func CaptureResponse(r *Response) RequestOption { return func(o *callOptions) { o.response = r } }

// Header adds a request header to the call.
func Header(name, value string) RequestOption {
	return func(o *callOptions) {
		if o.header == nil {
			o.header = http.Header{}
		}
		o.header.Add(name, value)
	}
}

// newUUID is a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("hapihub: no randomness: " + err.Error()) // crypto/rand does not fail on supported platforms
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// do sends one call, retrying what is safe to retry, and decodes a 2xx body into out.
func (c *Client) do(ctx context.Context, method, path, query string, body, out any, opts []RequestOption) error {
	var o callOptions
	for _, opt := range opts {
		opt(&o)
	}
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return fmt.Errorf("hapihub: encode %s %s body: %w", method, path, err)
		}
	}
	if method != http.MethodGet && o.idempotencyKey == "" {
		o.idempotencyKey = newUUID()
	}
	if method == http.MethodGet && len(o.expand) > 0 {
		query = withExpand(query, o.expand)
	}
	url := c.baseURL + path
	if query != "" {
		url += "?" + query
	}
	for attempt := 0; ; attempt++ {
		resp, err := c.send(ctx, method, url, payload, &o)
		if o.response != nil && resp != nil {
			*o.response = Response{Status: resp.status, Header: resp.header, Attempts: attempt + 1}
		}
		if err == nil && resp.status < 300 {
			return c.decode(resp.body, out, method, path)
		}
		if err == nil {
			err = apiError(resp)
		}
		wait, retry := c.retryable(err, attempt)
		if !retry {
			return err
		}
		if serr := c.sleep(ctx, wait); serr != nil {
			return fmt.Errorf("hapihub: %s %s: gave up waiting to retry (%w) after: %w", method, path, serr, err)
		}
	}
}

type rawResponse struct {
	status int
	header http.Header
	body   []byte
}

func (c *Client) send(ctx context.Context, method, url string, payload []byte, o *callOptions) (*rawResponse, error) {
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, fmt.Errorf("hapihub: build request: %w", err)
	}
	for k, v := range o.header {
		req.Header[k] = v
	}
	c.setAPIVersion(req.Header) // apiversion.go
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if o.idempotencyKey != "" {
		req.Header.Set("Idempotency-Key", o.idempotencyKey)
	}
	if o.ifMatch != "" {
		req.Header.Set("If-Match", o.ifMatch)
	}
	if org := cmp(o.organization, c.organization); org != "" {
		req.Header.Set("HapiHub-Organization", org)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, &networkError{err: fmt.Errorf("hapihub: %s %s: %w", method, req.URL.Path, err)}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, &networkError{err: fmt.Errorf("hapihub: %s %s: read response: %w", method, req.URL.Path, err)}
	}
	return &rawResponse{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

func cmp(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// networkError marks a failure to get a response at all: the request may or may not have reached
// the server, so it is retried (writes carry their Idempotency-Key, so the retry cannot apply twice).
type networkError struct{ err error }

func (e *networkError) Error() string { return e.err.Error() }
func (e *networkError) Unwrap() error { return e.err }

func apiError(r *rawResponse) *Error {
	e := &Error{Status: r.status, Header: r.header, RequestID: requestID(r.header)}
	var b errorBody
	if err := json.Unmarshal(r.body, &b); err == nil && b.Name != "" {
		e.Name, e.Message, e.Event, e.Code, e.Fields = b.Name, b.Message, b.Event, b.Code, b.Errors
	} else {
		// Not the API's error shape (a proxy in between): keep what there is.
		e.Name, e.Message = ErrorUnknown, strings.TrimSpace(string(r.body[:min(len(r.body), 512)]))
		if e.Message == "" {
			e.Message = http.StatusText(r.status)
		}
	}
	if ra := r.header.Get("Retry-After"); ra != "" {
		if s, err := strconv.Atoi(ra); err == nil && s >= 0 {
			e.RetryAfter = time.Duration(s) * time.Second
		} else if t, err := http.ParseTime(ra); err == nil {
			e.RetryAfter = max(time.Until(t), 0)
		}
	}
	return e
}

// retryable decides whether attempt's failure is worth another try, and after how long:
// network errors, 409 IDEMPOTENCY_ERROR (the first request with the key is still running), 429
// and 5xx. Everything else (400, 401, 403, 404, 412, ...) would fail the same way again.
func (c *Client) retryable(err error, attempt int) (time.Duration, bool) {
	if attempt >= c.maxRetries {
		return 0, false
	}
	var ne *networkError
	var ae *Error
	switch {
	case errors.As(err, &ne):
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return 0, false
		}
	case errors.As(err, &ae):
		// Of the 409 IDEMPOTENCY_ERRORs only the in-flight one is worth another try: it comes with
		// Retry-After and reason idempotency_key_in_use. The others (key used with another API
		// key, a batch that failed part-way, a result no longer kept) would fail the same way.
		inFlight := ae.Status == http.StatusConflict && ae.Name == ErrorIdempotency &&
			(ae.Code == "idempotency_key_in_use" || ae.RetryAfter > 0)
		ok := ae.Status == http.StatusTooManyRequests || ae.Status >= 500 || inFlight
		if !ok {
			return 0, false
		}
		if ae.RetryAfter > 0 {
			if ae.RetryAfter > c.maxWait {
				return 0, false
			}
			return ae.RetryAfter, true
		}
	default:
		return 0, false
	}
	return c.backoff(attempt), true
}

// backoff is min·2^attempt capped at max, with jitter: uniformly between half and all of it, so
// clients that failed together do not retry together.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.minBackoff << min(attempt, 30)
	if d > c.maxBackoff || d <= 0 {
		d = c.maxBackoff
	}
	half := d / 2
	if half <= 0 {
		return d
	}
	return half + time.Duration(mrand.Int64N(int64(half)+1))
}

func (c *Client) decode(body []byte, out any, method, path string) error {
	if out == nil || len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if c.strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(out); err != nil {
		return fmt.Errorf("hapihub: decode %s %s response: %w", method, path, err)
	}
	return nil
}

// withExpand adds expand[0]=...&expand[1]=... (qs's array form, as Query.Encode writes arrays).
func withExpand(query string, paths []string) string {
	parts := make([]string, 0, len(paths)+1)
	if query != "" {
		parts = append(parts, query)
	}
	for i, p := range paths {
		parts = append(parts, qsEscape("expand["+strconv.Itoa(i)+"]")+"="+qsEscape(p))
	}
	return strings.Join(parts, "&")
}
