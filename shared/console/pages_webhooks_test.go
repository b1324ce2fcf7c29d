package console_test

import (
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/sdk/go/hapihub"
)

var endpointPathRe = regexp.MustCompile(`^/console/webhooks/(we_[0-9A-Za-z]+)$`)

// consoleEndpoint adds an endpoint through the console's form and returns its id.
func consoleEndpoint(t *testing.T, b *browser, url string, events ...string) string {
	t.Helper()
	b.get("/console/webhooks")
	p := b.postValues("/console/webhooks", map[string][]string{"url": {url}, "description": {"Console test receiver"}, "events": events})
	require.Equal(t, http.StatusOK, p.Status, p.Text())
	m := endpointPathRe.FindStringSubmatch(p.URL)
	require.NotNil(t, m, "a created endpoint opens its page, at %s", p.URL)
	assert.Contains(t, p.Text(), "Endpoint created")
	return m[1]
}

// postValues sends a form with repeated fields (checkboxes) and the last page's CSRF token.
func (b *browser) postValues(path string, fields map[string][]string) *webPage {
	b.t.Helper()
	form := map[string][]string{}
	for k, v := range fields {
		form[k] = v
	}
	if m := csrfRe.FindStringSubmatch(b.Page.Body); m != nil {
		form["csrf"] = []string{html.UnescapeString(m[1])}
	}
	return b.do(http.MethodPost, path, form)
}

// whsecRe is a signing secret: whsec_ and 32 bytes in standard base64.
var whsecRe = regexp.MustCompile(`whsec_[A-Za-z0-9+/]{43}=`)

// shownSecret is the signing secret a page shows, "" when none (html/template writes + as &#43;).
func shownSecret(p *webPage) string { return whsecRe.FindString(html.UnescapeString(p.Body)) }

var deliveryRowRe = regexp.MustCompile(`(?s)<tr data-id="(whd_[0-9A-Za-z]+)" data-status="([a-z]+)" data-event="(evt_[0-9A-Za-z]+)">`)

// waitForRow reloads a page until a delivery row of eventID shows status and contains has
// (the row's HTML); it returns the delivery's id and the row.
func waitForRow(t *testing.T, b *browser, path, eventID, status, has string) (string, string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		p := b.get(path)
		require.Equal(t, http.StatusOK, p.Status, p.Text())
		for _, m := range deliveryRowRe.FindAllStringSubmatchIndex(p.Body, -1) {
			row := p.Body[m[0]:]
			row = row[:strings.Index(row, "</tr>")]
			if p.Body[m[6]:m[7]] == eventID && p.Body[m[4]:m[5]] == status && strings.Contains(row, has) {
				return p.Body[m[2]:m[3]], row
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s delivery of %s listed on %s: %s", status, eventID, path, p.Text())
		}
		time.Sleep(100 * time.Millisecond) // a page is 2–3 API reads; the session key may read 25 a second
	}
}

func TestWebhookCreateFormErrors(t *testing.T) {
	c := newConsole(t)
	b, _ := ownerWithKey(t, c, "hooks-form")
	empty := b.get("/console/webhooks")
	require.Equal(t, http.StatusOK, empty.Status)
	assert.Contains(t, empty.Text(), "No webhook endpoints in test mode yet")
	assert.Contains(t, empty.Body, `href="#add-endpoint"`, "the empty state leads to the form")
	for _, typ := range []string{"patient.created", "patient.*", "appointment.cancelled", "invoice.paid"} {
		assert.Contains(t, empty.Body, `name="events" value="`+typ+`"`, "the picker offers %s", typ)
	}

	cases := []struct {
		name   string
		url    string
		events []string
		field  string // the field whose error is shown next to it
		want   string
		kept   int // how many of events the picker shows checked again (it offers known patterns only)
	}{
		{"not a URL", "not a url", []string{"patient.created"}, "url", "must be an absolute http(s) URL", 1},
		{"a private address", "http://10.1.2.3/hook", []string{"*"}, "url", "must not point at a private, loopback, link-local or metadata address", 1},
		{"no events", "http://127.0.0.1:9/hook", nil, "enabledEvents", "choose at least one event type", 0},
		{"an unknown type", "http://127.0.0.1:9/hook", []string{"patient.exploded"}, "enabledEvents", `"patient.exploded" is not an event type`, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b.get("/console/webhooks")
			p := b.postValues("/console/webhooks", map[string][]string{"url": {tc.url}, "events": tc.events})
			assert.Equal(t, http.StatusBadRequest, p.Status)
			assert.Equal(t, "/console/webhooks", p.URL, "the form is shown again")
			assert.Contains(t, p.Text(), "INVALID_PARAMETERS")
			// The message sits in the field's error element, right after the field.
			fieldErr := regexp.MustCompile(`(?s)<div class="field-error">([^<]*)</div>`).FindAllStringSubmatch(p.Body, -1)
			require.Len(t, fieldErr, 1, "one field error")
			assert.Contains(t, html.UnescapeString(fieldErr[0][1]), tc.want)
			if tc.field == "url" {
				assert.Contains(t, p.Body, `value="`+tc.url+`"`, "the URL typed is kept")
			}
			for _, e := range tc.events[:min(len(tc.events), tc.kept)] {
				assert.Regexp(t, `value="`+regexp.QuoteMeta(e)+`"[^>]* checked`, p.Body, "the choice is kept")
			}
		})
	}
	list := b.get("/console/webhooks")
	assert.Contains(t, list.Text(), "No webhook endpoints", "nothing was created")
}

// TestWebhookDeliveries: an endpoint created in the console receives a patient created through
// the API, signed with the secret the console reveals; a test event and a resend arrive too, and
// every delivery is listed with its attempts.
func TestWebhookDeliveries(t *testing.T) {
	c := newConsole(t)
	b, key := ownerWithKey(t, c, "hooks")
	rc := newHookAnswering(t, `<b>thanks</b> from the receiver`)
	id := consoleEndpoint(t, b, rc.srv.URL+"/hook", "patient.*")
	page := "/console/webhooks/" + id

	p := b.get("/console/webhooks")
	assert.Contains(t, p.Body, `data-id="`+id+`" data-status="enabled"`, "the list shows the endpoint")
	assert.Contains(t, p.Text(), rc.srv.URL+"/hook")
	assert.Contains(t, p.Text(), "patient.*")

	// The secret is hidden until revealed (a POST), then shown once in that answer.
	p = b.get(page)
	assert.Empty(t, shownSecret(p), "the secret is hidden")
	p = b.post(page + "/reveal")
	secret := shownSecret(p)
	require.NotEmpty(t, secret, "reveal shows the secret: %s", p.Text())

	// A patient created through the API is delivered, signed, and listed on the endpoint's page.
	r := c.env.Do(t, http.MethodPost, "/patients", key, map[string]any{"firstName": "Ada", "lastName": "Webhook"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	patientID := r.JSON(t)["id"].(string)
	got, ev := rc.waitFor(t, func(e hapihub.Event) bool {
		return e.Type == "patient.created" && strings.Contains(string(e.Data.Object), patientID)
	})
	assert.NoError(t, hapihub.VerifySignature(got.Body, got.Header.Get(hapihub.SignatureHeader), secret, 0))
	did, row := waitForRow(t, b, page, ev.ID, "succeeded", "")
	assert.Contains(t, row, "patient.created")
	assert.Contains(t, row, `href="/console/events/`+ev.ID+`"`, "the event id links to the event")
	assert.Regexp(t, `<td data-label="Attempts">1</td>`, row, "one attempt")
	assert.Contains(t, row, "200", "the last response's status")

	// Its delivery page: the attempt's status, duration, escaped body, the request body.
	dp := b.get(page + "/deliveries/" + did)
	require.Equal(t, http.StatusOK, dp.Status, dp.Text())
	assert.Contains(t, dp.Body, "&lt;b&gt;thanks&lt;/b&gt; from the receiver", "the response body is escaped")
	assert.NotContains(t, dp.Body, "<b>thanks</b>")
	assert.Regexp(t, `\d+ ms`, dp.Text())
	assert.Contains(t, dp.Text(), `"id": "`+ev.ID+`"`, "the request body is the event")
	assert.Contains(t, dp.Text(), hapihub.SignatureHeader)

	// The event's page tells where it went.
	evp := b.get("/console/events/" + ev.ID)
	require.Equal(t, http.StatusOK, evp.Status, evp.Text())
	assert.Contains(t, evp.Body, `data-id="`+did+`" data-status="succeeded"`, "delivered to the endpoint")
	assert.Contains(t, evp.Text(), `"firstName": "Ada"`, "the event's JSON, pretty-printed")

	// Send test event: a signed sample of the chosen type arrives and is listed.
	p = b.get(page)
	assert.Contains(t, p.Body, `<option value="patient.updated">`, "the test types are those the endpoint receives")
	assert.NotContains(t, p.Body, `<option value="invoice.paid">`)
	p = b.post(page+"/test", "type", "patient.updated")
	require.Equal(t, http.StatusOK, p.Status, p.Text())
	assert.Contains(t, p.Text(), "Test patient.updated event")
	got, tev := rc.waitFor(t, func(e hapihub.Event) bool { return e.Test && e.Type == "patient.updated" })
	assert.NoError(t, hapihub.VerifySignature(got.Body, got.Header.Get(hapihub.SignatureHeader), secret, 0), "the test event is signed")
	testDelivery, _ := waitForRow(t, b, page, tev.ID, "succeeded", "")

	// A type the endpoint does not receive: the API's field error, in place.
	p = b.post(page+"/test", "type", "invoice.paid")
	assert.Equal(t, http.StatusBadRequest, p.Status)
	assert.Contains(t, p.Text(), "does not receive invoice.paid")

	// Resend: the same event arrives again and the delivery shows two attempts.
	b.get(page + "/deliveries/" + testDelivery)
	p = b.post(page + "/deliveries/" + testDelivery + "/resend")
	require.Equal(t, http.StatusOK, p.Status, p.Text())
	assert.Contains(t, p.Text(), "Delivery queued again")
	deadline := time.Now().Add(5 * time.Second)
	for rc.count(tev.ID) < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	assert.Equal(t, 2, rc.count(tev.ID), "the resend arrived")
	deadline = time.Now().Add(5 * time.Second)
	for {
		p = b.get(page + "/deliveries/" + testDelivery)
		if n := strings.Count(p.Body, `<tr data-status="succeeded">`); n == 2 || time.Now().After(deadline) {
			assert.Equal(t, 2, n, "two attempts listed: %s", p.Text())
			break
		}
		time.Sleep(100 * time.Millisecond) // a page is 2–3 API reads; the session key may read 25 a second
	}
}

// TestWebhookFailingDelivery: a receiver answering 500 leaves the delivery pending with a next
// retry; its page shows the status and the response body cut at the 1 KB the API keeps.
func TestWebhookFailingDelivery(t *testing.T) {
	c := newConsole(t)
	b, _ := ownerWithKey(t, c, "hooks-failing")
	rc := newHookAnswering(t, strings.Repeat("overloaded ", 200))
	rc.status = http.StatusInternalServerError
	id := consoleEndpoint(t, b, rc.srv.URL, "*")
	page := "/console/webhooks/" + id
	b.get(page)
	b.post(page+"/test", "type", "invoice.paid")
	_, ev := rc.waitFor(t, func(e hapihub.Event) bool { return e.Type == "invoice.paid" })
	did, row := waitForRow(t, b, page+"?status=pending", ev.ID, "pending", `<td data-label="Attempts">1</td>`)
	assert.Contains(t, row, `<td data-label="Last response" class="mono">500</td>`, "the last response's status")
	assert.Contains(t, row, "from now", "the next retry")
	assert.NotContains(t, b.get(page+"?status=succeeded").Body, did, "the filter leaves it out")

	dp := b.get(page + "/deliveries/" + did)
	assert.Contains(t, dp.Body, `<span class="pill pill-bad">500</span>`)
	assert.Contains(t, dp.Text(), "Truncated: HAPI Hub keeps the first 1 KB of a response")
	assert.Contains(t, dp.Text(), "Next attempt")
}

func TestWebhookEndpointActions(t *testing.T) {
	c := newConsole(t)
	b, _ := ownerWithKey(t, c, "hooks-actions")
	target := newHookAnswering(t, "ok").srv.URL + "/hapihub"
	id := consoleEndpoint(t, b, target, "appointment.cancelled")
	page := "/console/webhooks/" + id
	reveal := func() string {
		b.get(page)
		return shownSecret(b.post(page + "/reveal"))
	}
	first := reveal()
	require.NotEmpty(t, first)

	cases := []struct {
		name   string
		path   string
		fields map[string][]string
		check  func(t *testing.T, p *webPage)
	}{
		{"disable", "/status", map[string][]string{"status": {"disabled"}}, func(t *testing.T, p *webPage) {
			assert.Contains(t, p.Text(), "Endpoint disabled")
			assert.Contains(t, p.Body, `data-status="disabled"`)
			assert.Contains(t, p.Text(), "Enable the endpoint to send it a test event")
		}},
		{"enable", "/status", map[string][]string{"status": {"enabled"}}, func(t *testing.T, p *webPage) {
			assert.Contains(t, p.Body, `data-status="enabled"`)
			assert.Contains(t, p.Text(), "Send test event")
		}},
		{"edit events", "/events", map[string][]string{"events": {"invoice.paid", "patient.*"}, "description": {"Billing"}}, func(t *testing.T, p *webPage) {
			assert.Contains(t, p.Text(), "Endpoint saved")
			assert.Contains(t, p.Text(), "invoice.paid, patient.*")
			assert.Contains(t, p.Text(), "Billing")
		}},
		{"edit with no events", "/events", map[string][]string{"description": {"x"}}, func(t *testing.T, p *webPage) {
			assert.Equal(t, http.StatusBadRequest, p.Status)
			assert.Contains(t, p.Text(), "choose at least one event type")
		}},
		{"roll the secret", "/roll", map[string][]string{"expires": {"3600"}}, func(t *testing.T, p *webPage) {
			assert.Contains(t, p.Text(), "Secret rolled")
			rolled := shownSecret(p)
			assert.NotEmpty(t, rolled, "the new secret is shown: %s", p.Text())
			assert.NotEqual(t, first, rolled)
			assert.Equal(t, rolled, reveal(), "reveal now shows the new secret")
		}},
		{"roll with an unknown expiry", "/roll", map[string][]string{"expires": {"999999"}}, func(t *testing.T, p *webPage) {
			assert.Equal(t, http.StatusBadRequest, p.Status)
			assert.Contains(t, p.Text(), "choose when the old secret stops signing")
		}},
		{"delete", "/delete", nil, func(t *testing.T, p *webPage) {
			assert.Equal(t, "/console/webhooks", p.URL)
			assert.Contains(t, p.Text(), target+" deleted")
			assert.Contains(t, p.Text(), "No webhook endpoints")
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b.get(page)
			tc.check(t, b.postValues(page+tc.path, tc.fields))
		})
	}
	p := b.get(page)
	assert.Equal(t, http.StatusNotFound, p.Status, "a deleted endpoint's page")
	assert.Contains(t, p.Text(), "NOT_FOUND")
}

func TestWebhooksViewer(t *testing.T) {
	c := newConsole(t)
	owner, _ := ownerWithKey(t, c, "hooks-owner")
	target := newHookAnswering(t, "ok").srv.URL + "/viewer-sees"
	id := consoleEndpoint(t, owner, target, "*")
	viewer := joinAs(t, c, owner, "viewer")

	p := viewer.get("/console/webhooks")
	require.Equal(t, http.StatusOK, p.Status, p.Text())
	assert.Contains(t, p.Text(), target, "a viewer reads the endpoints")
	assert.Contains(t, p.Text(), "Your role can see webhook endpoints but not add or change them")
	assert.NotContains(t, p.Body, `action="/console/webhooks"`, "no create form")
	p = viewer.get("/console/webhooks/" + id)
	require.Equal(t, http.StatusOK, p.Status, p.Text())
	assert.NotContains(t, p.Text(), "Send test event")
	assert.NotContains(t, p.Text(), "Delete endpoint")

	// The forms' POSTs are still judged by the API, whose message is shown in place.
	cases := []struct {
		name   string
		path   string
		fields map[string][]string
	}{
		{"create", "/console/webhooks", map[string][]string{"url": {target + "/sneaky"}, "events": {"*"}}},
		{"send a test event", "/console/webhooks/" + id + "/test", map[string][]string{"type": {"patient.created"}}},
		{"disable", "/console/webhooks/" + id + "/status", map[string][]string{"status": {"disabled"}}},
		{"delete", "/console/webhooks/" + id + "/delete", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			viewer.get("/console/webhooks")
			p := viewer.postValues(tc.path, tc.fields)
			assert.Equal(t, http.StatusForbidden, p.Status)
			assert.Regexp(t, `PERMISSIONS_ERROR .*webhook-endpoints`, p.Text())
		})
	}
	assert.Contains(t, owner.get("/console/webhooks/"+id).Body, `data-status="enabled"`, "nothing changed")
}
