package hapihub_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hapihub/hapihub/sdk/go/hapihub"
)

// fake answers each request with the next scripted response and records what it received.
type fake struct {
	mu       sync.Mutex
	script   []func(w http.ResponseWriter)
	requests []*http.Request
	waits    []time.Duration
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, r)
	step := f.script[min(len(f.requests), len(f.script))-1]
	f.mu.Unlock()
	step(w)
}

func reply(status int, body string, headers ...string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}

// hangUp closes the connection without an answer: a network error.
func hangUp(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

const okPatient = `{"id":"pat_1","object":"patient","firstName":"Ada","lastName":"Lovelace"}`

func newFake(t *testing.T, opts []hapihub.Option, script ...func(w http.ResponseWriter)) (*fake, *hapihub.Client) {
	f := &fake{script: script}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	opts = append([]hapihub.Option{hapihub.WithBaseURL(srv.URL), hapihub.WithBackoff(100*time.Millisecond, 400*time.Millisecond),
		hapihub.WithSleep(func(ctx context.Context, d time.Duration) error {
			f.mu.Lock()
			f.waits = append(f.waits, d)
			f.mu.Unlock()
			return ctx.Err()
		})}, opts...)
	return f, hapihub.New("sk_test_abc", opts...)
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestRetries(t *testing.T) {
	idem := `{"name":"IDEMPOTENCY_ERROR","message":"in flight","event":"e1"}`
	cases := []struct {
		name     string
		script   []func(http.ResponseWriter)
		attempts int
		errName  string // "" = success
		waits    []time.Duration
	}{
		{"5xx then success", []func(http.ResponseWriter){reply(503, `{"name":"UNKNOWN_ERROR","message":"x","event":"e"}`), reply(502, "bad gateway"), reply(201, okPatient)}, 3, "", nil},
		{"429 honours Retry-After", []func(http.ResponseWriter){reply(429, `{"name":"RATE_LIMIT_EXCEEDED","message":"slow down","event":"e"}`, "Retry-After", "2"), reply(201, okPatient)}, 2, "", []time.Duration{2 * time.Second}},
		{"409 IDEMPOTENCY_ERROR retried", []func(http.ResponseWriter){reply(409, idem, "Retry-After", "1"), reply(201, okPatient)}, 2, "", []time.Duration{time.Second}},
		{"network error retried", []func(http.ResponseWriter){hangUp, reply(201, okPatient)}, 2, "", nil},
		{"409 IDEMPOTENCY_ERROR in use (reason, no Retry-After) retried", []func(http.ResponseWriter){reply(409, `{"name":"IDEMPOTENCY_ERROR","message":"in flight","event":"e1","reason":"idempotency_key_in_use"}`), reply(201, okPatient)}, 2, "", nil},
		{"409 IDEMPOTENCY_ERROR that is final not retried", []func(http.ResponseWriter){reply(409, `{"name":"IDEMPOTENCY_ERROR","message":"other key","event":"e1","reason":"idempotency_key_other_api_key"}`)}, 1, "IDEMPOTENCY_ERROR", nil},
		{"409 of another name not retried", []func(http.ResponseWriter){reply(409, `{"name":"CONFLICT","message":"x","event":"e"}`)}, 1, "CONFLICT", nil},
		{"400 not retried", []func(http.ResponseWriter){reply(400, `{"name":"INVALID_PARAMETERS","message":"bad","event":"e"}`)}, 1, "INVALID_PARAMETERS", nil},
		{"412 not retried", []func(http.ResponseWriter){reply(412, `{"name":"PRECONDITION_FAILED","message":"stale","event":"e"}`)}, 1, "PRECONDITION_FAILED", nil},
		{"bounded", []func(http.ResponseWriter){reply(500, `{"name":"UNKNOWN_ERROR","message":"boom","event":"e"}`)}, 4, "UNKNOWN_ERROR", nil},
		{"Retry-After beyond the cap ends retries", []func(http.ResponseWriter){reply(429, `{"name":"RATE_LIMIT_EXCEEDED","message":"x","event":"e"}`, "Retry-After", "3600")}, 1, "RATE_LIMIT_EXCEEDED", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, c := newFake(t, nil, tc.script...)
			p, err := c.Patients.Create(context.Background(), &hapihub.Patient{FirstName: "Ada", LastName: "Lovelace"})
			must.Len(t, f.requests, tc.attempts)
			if tc.errName == "" {
				noErr(t, err)
				check.Equal(t, "pat_1", p.ID)
			} else {
				var ae *hapihub.Error
				must.ErrorAs(t, err, &ae)
				check.Equal(t, tc.errName, ae.Name)
			}
			key := f.requests[0].Header.Get("Idempotency-Key")
			check.Regexp(t, uuidRE, key)
			for _, r := range f.requests {
				check.Equal(t, key, r.Header.Get("Idempotency-Key"), "one key across the retries of a call")
			}
			if tc.waits != nil {
				check.Equal(t, tc.waits, f.waits)
			}
		})
	}
}

func TestBackoffGrowsWithJitterAndCap(t *testing.T) {
	f, c := newFake(t, []hapihub.Option{hapihub.WithMaxRetries(5)}, reply(503, `{"name":"UNKNOWN_ERROR","message":"x","event":"e"}`))
	_, err := c.Patients.Get(context.Background(), "pat_1")
	must.Error(t, err)
	must.Len(t, f.waits, 5)
	// min 100 ms doubling, capped at 400 ms; each wait between half and all of it.
	for i, want := range []time.Duration{100, 200, 400, 400, 400} {
		want *= time.Millisecond
		check.GreaterOrEqual(t, f.waits[i], want/2, "wait %d", i)
		check.LessOrEqual(t, f.waits[i], want, "wait %d", i)
	}
}

func TestRetryStopsWhenContextEnds(t *testing.T) {
	f := &fake{script: []func(http.ResponseWriter){reply(503, `{"name":"UNKNOWN_ERROR","message":"x","event":"e"}`)}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	c := hapihub.New("sk_test_abc", hapihub.WithBaseURL(srv.URL), hapihub.WithBackoff(time.Hour, time.Hour))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Patients.Get(ctx, "pat_1")
	check.Less(t, time.Since(start), 5*time.Second)
	check.ErrorIs(t, err, context.DeadlineExceeded)
	var ae *hapihub.Error
	check.ErrorAs(t, err, &ae, "the last API error stays reachable")
	check.Len(t, f.requests, 1)
}

func TestErrorValues(t *testing.T) {
	body := `{"name":"INVALID_PARAMETERS","message":"Invalid parameters: lastName: is required","event":"5b0c","code":400,"className":"bad-request","reason":"idempotency_key_reused",
		"errors":[{"field":"lastName","message":"is required"}]}`
	_, c := newFake(t, nil, reply(400, body))
	_, err := c.Patients.Create(context.Background(), &hapihub.Patient{FirstName: "Ada"})
	var ae *hapihub.Error
	must.ErrorAs(t, err, &ae)
	check.Equal(t, 400, ae.Status)
	check.Equal(t, "5b0c", ae.Event)
	check.Equal(t, "idempotency_key_reused", ae.Code)
	check.Equal(t, []hapihub.FieldError{{Field: "lastName", Message: "is required"}}, ae.Fields)
	check.ErrorIs(t, err, hapihub.ErrInvalidParameters)
	check.NotErrorIs(t, err, hapihub.ErrNotFound)
	check.Contains(t, err.Error(), "INVALID_PARAMETERS (400)")

	_, c = newFake(t, nil, reply(403, "<html>Forbidden</html>"))
	_, err = c.Patients.Get(context.Background(), "pat_1")
	must.ErrorAs(t, err, &ae)
	check.Equal(t, hapihub.ErrorUnknown, ae.Name)
	check.Equal(t, "<html>Forbidden</html>", ae.Message)
}

func TestRequestHeaders(t *testing.T) {
	f, c := newFake(t, []hapihub.Option{hapihub.WithOrganization("org_a"), hapihub.WithUserAgent("clinic-sync/2")},
		reply(200, okPatient, "ETag", `"7"`))
	ctx := context.Background()
	var resp hapihub.Response
	_, err := c.Patients.Get(ctx, "pat_1", hapihub.CaptureResponse(&resp))
	noErr(t, err)
	_, err = c.Patients.Patch(ctx, "pat_1", map[string]any{"preferredName": nil}, hapihub.IfMatch(resp.ETag()), hapihub.ForOrganization("org_b"))
	noErr(t, err)
	_, err = c.Patients.Delete(ctx, "pat_1", hapihub.IdempotencyKey("mine"))
	noErr(t, err)
	_, err = c.Patients.Delete(ctx, "pat_1")
	noErr(t, err)
	must.Len(t, f.requests, 4)
	get, patch, del, del2 := f.requests[0], f.requests[1], f.requests[2], f.requests[3]
	check.Equal(t, `"7"`, resp.ETag())
	check.Equal(t, 1, resp.Attempts)
	check.Equal(t, "Bearer sk_test_abc", get.Header.Get("Authorization"))
	check.Equal(t, "org_a", get.Header.Get("HapiHub-Organization"))
	check.Equal(t, "", get.Header.Get("Idempotency-Key"), "reads need no key")
	check.Regexp(t, `^clinic-sync/2 hapihub-go/`, get.Header.Get("User-Agent"))
	check.Equal(t, `"7"`, patch.Header.Get("If-Match"))
	check.Equal(t, "org_b", patch.Header.Get("HapiHub-Organization"))
	check.Equal(t, "application/json", patch.Header.Get("Content-Type"))
	check.Equal(t, "mine", del.Header.Get("Idempotency-Key"))
	check.NotEqual(t, patch.Header.Get("Idempotency-Key"), del2.Header.Get("Idempotency-Key"), "each call its own key")
}

func TestWritesLeaveOutReadOnlyFields(t *testing.T) {
	var got []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, r.ContentLength)
		_, _ = r.Body.Read(b)
		got = b
		reply(200, okPatient)(w)
	}))
	defer srv.Close()
	c := hapihub.New("k", hapihub.WithBaseURL(srv.URL))
	p := &hapihub.Patient{ID: "pat_1", Object: "patient", Livemode: true, CreatedAt: 5, UpdatedAt: 6, OrganizationID: "org_1",
		FirstName: "Ada", LastName: "Lovelace", DateOfBirth: hapihub.Ptr(int64(0)), Deleted: true}
	_, err := c.Patients.Update(context.Background(), "pat_1", p)
	noErr(t, err)
	check.JSONEq(t, `{"firstName":"Ada","lastName":"Lovelace","dateOfBirth":0}`, string(got))
}

func TestIterationStopsOnError(t *testing.T) {
	page := `{"data":[` + okPatient + `,` + okPatient + `],"limit":2,"skip":0,"hasMore":true}`
	f, c := newFake(t, []hapihub.Option{hapihub.WithMaxRetries(0)}, reply(200, page), reply(404, `{"name":"NOT_FOUND","message":"gone","event":"e"}`))
	n := 0
	var last error
	for p, err := range c.Patients.All(context.Background(), hapihub.NewQuery().Limit(2)) {
		if err != nil {
			last = err
			break
		}
		check.Equal(t, "pat_1", p.ID)
		n++
	}
	check.Equal(t, 2, n)
	check.True(t, errors.Is(last, hapihub.ErrNotFound))
	must.Len(t, f.requests, 2)
	check.Equal(t, "pat_1", f.requests[1].URL.Query().Get("startingAfter"))
}

// All pages by startingAfter the last id while hasMore (not by $skip, which shifts under
// concurrent writes), and, when a sorted list's cursor object was deleted (400 on
// startingAfter), resumes after the page's previous object.
func TestIterationByCursor(t *testing.T) {
	pat := func(id string) string { return `{"id":"` + id + `","object":"patient","firstName":"A","lastName":"B"}` }
	page := func(more bool, ids ...string) string {
		var d []string
		for _, id := range ids {
			d = append(d, pat(id))
		}
		return fmt.Sprintf(`{"data":[%s],"limit":2,"skip":0,"hasMore":%t}`, strings.Join(d, ","), more)
	}
	f, c := newFake(t, []hapihub.Option{hapihub.WithMaxRetries(0)},
		reply(200, page(true, "pat_1", "pat_2")), reply(200, page(true, "pat_3", "pat_4")),
		reply(400, `{"name":"INVALID_PARAMETERS","message":"no","event":"e","errors":[{"field":"startingAfter","message":"no patient"}]}`),
		reply(200, page(false, "pat_5")))
	var got []string
	for p, err := range c.Patients.All(context.Background(), hapihub.NewQuery().Sort("lastName", hapihub.Asc).Limit(2).Skip(1).WithTotal()) {
		must.True(t, err == nil, err)
		got = append(got, p.ID)
	}
	check.Equal(t, []string{"pat_1", "pat_2", "pat_3", "pat_4", "pat_5"}, got)
	must.Len(t, f.requests, 4)
	var cursors []string
	for _, r := range f.requests {
		cursors = append(cursors, r.URL.Query().Get("startingAfter")+"|"+r.URL.Query().Get("$skip")+"|"+r.URL.Query().Get("$total"))
	}
	check.Equal(t, []string{"|1|", "pat_2||", "pat_4||", "pat_3||"}, cursors)
}
