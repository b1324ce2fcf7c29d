// Command listen forwards an account's test-mode events to a local URL and prints them, as
// `stripe listen --forward-to` does:
//
//	go run ./infra/cmd/listen -key sk_test_... -forward-to http://localhost:4242/webhook
//
// It polls GET /events with the test key rather than registering a temporary webhook endpoint:
// polling needs no inbound connectivity (the API may be remote while the receiver runs on a laptop),
// leaves no endpoint behind when interrupted, and cannot reach live data (test keys only). Each
// forwarded event is signed exactly as real deliveries are, with a session secret printed at start,
// so the receiver's signature check can be exercised too.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hapihub/hapihub/shared/webhook"
)

func main() {
	defAPI, defKey := defaults(os.Getenv)
	api := flag.String("api", defAPI, "API base URL; default $HAPIHUB_API_URL (what make run prints), else http://localhost:3000")
	key := flag.String("key", defKey, "test secret key (sk_test_...); default $HAPIHUB_TEST_SECRET_KEY (what make run prints)")
	to := flag.String("forward-to", "", "local URL to POST events to (empty: print only)")
	evs := flag.String("events", "*", "comma-separated event types or patterns (patient.*)")
	secret := flag.String("secret", "", "signing secret for forwarded events (default: a new whsec_ per session)")
	every := flag.Duration("interval", time.Second, "how often to poll")
	flag.Parse()
	if !strings.HasPrefix(*key, "sk_test_") && !strings.HasPrefix(*key, "rk_test_") {
		fmt.Fprintln(os.Stderr, "listen: a test secret key is required (-key sk_test_... or HAPIHUB_TEST_SECRET_KEY); live events are never forwarded")
		os.Exit(2)
	}
	l := &Listener{API: strings.TrimRight(*api, "/"), Key: *key, ForwardTo: *to, Secret: *secret, Interval: *every, Out: os.Stdout}
	for _, p := range strings.Split(*evs, ",") {
		if p = strings.TrimSpace(p); p != "" && p != "*" {
			l.Types = append(l.Types, p)
		}
	}
	if l.Secret == "" {
		l.Secret = webhook.NewSecret()
	}
	fmt.Fprintf(l.Out, "Ready! Your webhook signing secret is %s (^C to quit)\n", l.Secret)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := l.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(1)
	}
}

// defaults reads the API URL and key from the variables make run prints (HAPIHUB_API_URL,
// HAPIHUB_TEST_SECRET_KEY), which the SDKs' quick starts export too; HAPIHUB_API and HAPIHUB_KEY,
// the names listen read first, still work.
func defaults(getenv func(string) string) (api, key string) {
	first := func(def string, names ...string) string {
		for _, n := range names {
			if v := getenv(n); v != "" {
				return v
			}
		}
		return def
	}
	return first("http://localhost:3000", "HAPIHUB_API_URL", "HAPIHUB_API"), first("", "HAPIHUB_TEST_SECRET_KEY", "HAPIHUB_KEY")
}

// Listener polls for events and forwards them.
type Listener struct {
	API, Key, ForwardTo, Secret string
	Types                       []string
	Interval                    time.Duration
	Out                         io.Writer
	HTTP                        *http.Client
	Now                         func() time.Time

	since int64            // createdAt (ms) the next poll starts from
	seen  map[string]int64 // forwarded ids -> createdAt, kept while inside the overlap
}

// overlap re-reads recent events: an event's createdAt is taken before its transaction commits,
// so a concurrent write can become visible after a later one.
const overlap = 10 * time.Second

// Run polls until ctx ends.
func (l *Listener) Run(ctx context.Context) error {
	t := time.NewTicker(l.Interval)
	defer t.Stop()
	for {
		if err := l.Poll(ctx); err != nil {
			fmt.Fprintf(l.Out, "%s   poll failed: %v\n", l.clock().Format("2006-01-02 15:04:05"), err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

func (l *Listener) clock() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

func (l *Listener) client() *http.Client {
	if l.HTTP != nil {
		return l.HTTP
	}
	return &http.Client{Timeout: webhook.AttemptTimeout}
}

// Poll reads new events (oldest first) and forwards each once.
func (l *Listener) Poll(ctx context.Context) error {
	if l.seen == nil {
		l.seen = map[string]int64{}
		l.since = l.clock().UnixMilli()
	}
	q := url.Values{}
	q.Set("createdAt[$gte]", strconv.FormatInt(l.since-overlap.Milliseconds(), 10))
	q.Set("$limit", "100")
	for _, t := range l.Types {
		q.Add("type[$in][]", t)
	}
	var all []json.RawMessage
	for skip := 0; ; skip += 100 {
		q.Set("$skip", strconv.Itoa(skip))
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, l.API+"/events?"+q.Encode(), nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+l.Key)
		resp, err := l.client().Do(req)
		if err != nil {
			return err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET /events: %d %s", resp.StatusCode, body)
		}
		var page struct {
			Data []json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			return fmt.Errorf("GET /events: %w", err)
		}
		all = append(all, page.Data...)
		if len(page.Data) < 100 {
			break
		}
	}
	type ev struct {
		raw       json.RawMessage
		ID        string `json:"id"`
		Type      string `json:"type"`
		CreatedAt int64  `json:"createdAt"`
	}
	var evs []ev
	for _, raw := range all {
		var e ev
		if json.Unmarshal(raw, &e) != nil || e.ID == "" {
			continue
		}
		e.raw = raw
		evs = append(evs, e)
	}
	sort.Slice(evs, func(i, j int) bool { return evs[i].ID < evs[j].ID }) // ids sort by creation time
	for _, e := range evs {
		if _, done := l.seen[e.ID]; done {
			continue
		}
		l.seen[e.ID] = e.CreatedAt
		l.since = max(l.since, e.CreatedAt)
		l.forward(ctx, e.ID, e.Type, e.raw)
	}
	for id, at := range l.seen {
		if at < l.since-2*overlap.Milliseconds() {
			delete(l.seen, id)
		}
	}
	return nil
}

func (l *Listener) forward(ctx context.Context, id, typ string, body []byte) {
	now := l.clock()
	stamp := now.Format("2006-01-02 15:04:05")
	fmt.Fprintf(l.Out, "%s   --> %s [%s]\n", stamp, typ, id)
	if l.ForwardTo == "" {
		return
	}
	headers, err := webhook.Headers(id, body, []string{l.Secret}, now)
	if err != nil {
		fmt.Fprintf(l.Out, "%s   sign: %v\n", stamp, err)
		return
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.ForwardTo, bytes.NewReader(body))
	if err != nil {
		fmt.Fprintf(l.Out, "%s   <-- %v\n", stamp, err)
		return
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := l.client().Do(req)
	if err != nil {
		fmt.Fprintf(l.Out, "%s   <-- error POST %s: %v\n", stamp, l.ForwardTo, err)
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	fmt.Fprintf(l.Out, "%s   <-- [%d] POST %s [%s]\n", stamp, resp.StatusCode, l.ForwardTo, id)
}
