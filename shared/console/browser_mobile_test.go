package console_test

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/browsertest"
)

// The working-day checks of the walk-through (issue 20, item 10): object pages that read like
// records, the sandbox table and the key-roll select shown whole, and every page at a phone's
// width.

// Phone is the narrow window of the mobile pass: an iPhone 12-15's CSS width.
const (
	phoneWidth  = 390
	phoneHeight = 844
)

// related gives the new patient an appointment, an invoice and a message through the API, for
// the record page's lists.
func (w *walk) related() {
	t := w.t
	status, list := apiCall(t, http.MethodGet, w.env.URL+"/practitioners?$limit=1", w.key, "")
	require.Equal(t, http.StatusOK, status, "%v", list)
	prac := list["data"].([]any)[0].(map[string]any)["id"].(string)
	start := time.Now().Add(48 * time.Hour).Truncate(time.Hour).UnixMilli()
	status, appt := apiCall(t, http.MethodPost, w.env.URL+"/appointments", w.key,
		fmt.Sprintf(`{"patientId":%q,"practitionerId":%q,"startsAt":%d,"endsAt":%d,"reason":"Duelling injury"}`, w.patient, prac, start, start+30*60*1000))
	require.Equal(t, http.StatusCreated, status, "%v", appt)
	w.appt = appt["id"].(string)
	status, inv := apiCall(t, http.MethodPost, w.env.URL+"/invoices", w.key,
		fmt.Sprintf(`{"patientId":%q,"currency":"GBP","lineItems":[{"description":"Consultation","quantity":1,"unitAmount":4500}]}`, w.patient))
	require.Equal(t, http.StatusCreated, status, "%v", inv)
	status, msg := apiCall(t, http.MethodPost, w.env.URL+"/messages", w.key,
		fmt.Sprintf(`{"patientId":%q,"roomId":"tonks","direction":"outbound","channel":"sms","text":"Your appointment is on Thursday."}`, w.patient))
	require.Equal(t, http.StatusCreated, status, "%v", msg)
	w.related3 = [3]string{w.appt, inv["id"].(string), msg["id"].(string)}
}

// record checks the patient's page reads like a record: the name as its title, the date of
// birth as a date, times as times, tags as chips, the related objects linked, the patient's
// events and the request that created it.
func (w *walk) record() {
	t, ctx := w.t, w.ctx
	assert.Equal(t, "Nymphadora Tonks active", strings.Join(strings.Fields(browsertest.Text(t, ctx, ".record-head h1")), " "), "the patient's name is the title")
	assert.Equal(t, "Nymphadora Tonks · HAPI Hub", evalString(t, ctx, "title", `document.title`))
	assert.Equal(t, "25 Mar 1973", browsertest.Text(t, ctx, `#fields tr[data-field="dateOfBirth"] td`), "a date of birth is a date")
	created := browsertest.Text(t, ctx, `#fields tr[data-field="createdAt"] td`)
	assert.Regexp(t, `^\w{3} \d{1,2} \w{3} \d{4}, \d{2}:\d{2}:\d{2} UTC \(`, created, "a time is a date and time")
	assert.NotRegexp(t, `\d{13}`, created, "no Unix milliseconds")
	assert.Equal(t, "metamorphmagus auror", evalString(t, ctx, "chips",
		`[...document.querySelectorAll('#fields tr[data-field="tags"] .chip')].map(c => c.innerText).join(" ")`), "tags are chips")
	for i, res := range []string{"appointments", "invoices", "messages"} {
		href := evalString(t, ctx, res, `(() => { const a = document.querySelector('#related-`+res+` tr[data-id="`+w.related3[i]+`"] td.id a'); return a ? a.getAttribute("href") : "" })()`)
		assert.Contains(t, href, "/sandbox/"+res+"/"+w.related3[i], "the patient's %s are linked", res)
	}
	assert.Contains(t, evalString(t, ctx, "events", `[...document.querySelectorAll('#object-events a')].map(a => a.innerText + " " + a.getAttribute("href")).join("\n")`),
		"patient.created /console/events/"+w.event, "the patient's events are listed")
	logs := evalString(t, ctx, "requests", `[...document.querySelectorAll('#object-logs a')].map(a => a.innerText + " " + a.getAttribute("href")).join("\n")`)
	assert.Contains(t, logs, "201 POST /patients", "the request that created the patient")
	assert.Regexp(t, `201 POST /patients /console/logs/req_[0-9A-Za-z]+`, logs, "linked to its log")
}

// idColumnShown: every sandbox table fits its frame at the desktop width, ids whole.
func (w *walk) idColumnShown() {
	t, ctx := w.t, w.ctx
	for _, tab := range []string{"practitioners", "appointments", "messages", "invoices", "patients"} {
		browsertest.Open(t, ctx, w.console+"/sandbox/"+tab)
		browsertest.WaitVisible(t, ctx, "td.id")
		w.idColumnFits(tab)
	}
}

func (w *walk) idColumnFits(tab string) {
	t, ctx := w.t, w.ctx
	assert.Equal(t, "", evalString(t, ctx, "sandbox table", `(() => {
		const wrap = document.querySelector(".table-wrap"); const bad = [];
		if (wrap.scrollWidth > wrap.clientWidth) bad.push("the table scrolls: " + wrap.scrollWidth + " > " + wrap.clientWidth);
		for (const td of wrap.querySelectorAll("td.id")) if (td.scrollWidth > td.clientWidth) bad.push(td.innerText + " is cut");
		if (!wrap.querySelector("td.id")) bad.push("no id column");
		return bad.slice(0, 3).join("; ") })()`), "the %s table's id column is shown whole", tab)
}

// rollSelectShown: each key's roll select is wide enough for its longest choice, and the keys
// table fits its frame.
func (w *walk) rollSelectShown() {
	t, ctx := w.t, w.ctx
	assert.Equal(t, "", evalString(t, ctx, "roll selects", `(() => {
		const bad = []; const c = document.createElement("canvas").getContext("2d");
		const sels = document.querySelectorAll("select[name=grace]");
		if (!sels.length) return "no roll select";
		for (const s of sels) {
			const cs = getComputedStyle(s); c.font = cs.font;
			const text = Math.max(...[...s.options].map(o => c.measureText(o.text).width));
			const room = s.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
			if (text > room) bad.push("a choice needs " + Math.ceil(text) + " px, the select has " + room);
		}
		const wrap = document.querySelector(".table-wrap");
		if (wrap.scrollWidth > wrap.clientWidth) bad.push("the keys table scrolls: " + wrap.scrollWidth + " > " + wrap.clientWidth);
		return bad.join("; ") })()`), "the key-roll select is not clipped")
}

// phone sets the window to a phone's width (or back to the desktop's).
func (w *walk) phone(on bool) {
	w.t.Helper()
	// Scale 1 keeps the committed screenshots small; layout depends on CSS pixels only.
	a := chromedp.EmulateViewport(phoneWidth, phoneHeight, chromedp.EmulateMobile)
	if !on {
		a = chromedp.EmulateViewport(browsertest.Width, browsertest.Height)
	}
	_, err := chromedp.Run(w.ctx, a)
	require.NoError(w.t, err, "emulate the window")
}

// mobile opens every page of the console at 390 px: none scrolls sideways (fits, per page), each
// is screenshotted as mobile-<name> (long lists at 5 rows: a card is a card).
func (w *walk) mobile() {
	t, ctx := w.t, w.ctx
	w.phone(true)
	defer w.phone(false)
	pages := []struct{ name, path, wait string }{
		{"02-home", "/", "Get started"},
		{"05-webhooks", "/webhooks", "Add endpoint"},
		{"06-webhook-detail", "/webhooks/" + w.endpoint, "Send test event"},
		{"09-delivery", strings.TrimPrefix(w.delivery, w.console), "Delivery of patient.created"},
		{"10-events", "/events?type=patient.%2A", "patient.created"},
		{"11-event-detail", "/events/" + w.event, "Tonks"},
		{"12-sandbox", "/sandbox?limit=5", "St. Mungo"},
		{"12b-sandbox-appointments", "/sandbox/appointments?limit=5", "St. Mungo"},
		{"12c-sandbox-invoices", "/sandbox/invoices?limit=5", "St. Mungo"},
		{"13-sandbox-patient", "/sandbox/patients/" + w.patient, "tonks@example.com"},
		{"13b-sandbox-appointment", "/sandbox/appointments/" + w.appt, "Duelling injury"},
		{"14-logs", "/logs?limit=5", "last 7 days"},
		{"16-log-detail", strings.TrimPrefix(w.log, w.console), "POST /patients"},
		{"17-keys", "/keys", "Create a restricted key"},
		{"19-members", "/members", "Invite a member"},
	}
	for _, p := range pages {
		browsertest.Open(t, ctx, w.console+p.path)
		browsertest.WaitText(t, ctx, p.wait)
		w.shot("mobile-" + p.name)
	}
	// The sidebar is a bar of links at the top: every entry reachable.
	browsertest.Open(t, ctx, w.console+"/")
	browsertest.Click(t, ctx, "Members")
	browsertest.WaitText(t, ctx, "Invite a member")
	// Live mode's home on a phone.
	browsertest.Open(t, ctx, w.console+"/")
	clickIn(t, ctx, ".topbar button.toggle")
	browsertest.WaitText(t, ctx, "Your live keys")
	w.shot("mobile-04-home-live")
	clickIn(t, ctx, ".topbar button.toggle")
	browsertest.WaitText(t, ctx, "Your test secret key")
}

// mobileLoggedOut checks the pages before login at 390 px.
func (w *walk) mobileLoggedOut() {
	t, ctx := w.t, w.ctx
	w.phone(true)
	defer w.phone(false)
	browsertest.Open(t, ctx, w.console+"/login")
	browsertest.WaitText(t, ctx, "Log in")
	w.shot("mobile-20-login")
	browsertest.Open(t, ctx, w.console+"/signup")
	browsertest.WaitText(t, ctx, "Create your account")
	w.shot("mobile-01-signup")
}
