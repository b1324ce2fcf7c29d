package console_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/browsertest"
	"github.com/hapihub/hapihub/infra/localtest"
	"github.com/hapihub/hapihub/shared/sandbox"
	"github.com/hapihub/hapihub/shared/webhook"
)

// walk is the state of the walk-through: what the new user has learnt so far.
type walk struct {
	t        *testing.T
	ctx      context.Context
	env      *localtest.Env
	console  string // the console's address, through the platform's gateway as make run serves it
	problems *pageProblems
	key      string // the account's test secret key, read off the home page
	email    string
	hook     *hook
	endpoint string    // the webhook endpoint's id
	secret   string    // its signing secret, read off its page
	patient  string    // the patient created through the API
	invitee  string    // the member the owner invites
	invite   string    // the one-time link of that invite
	org      string    // the sandbox organization's id, read off the home page
	event    string    // the patient's patient.created event
	delivery string    // the address of its delivery's page
	log      string    // the address of the POST /patients log's page
	appt     string    // an appointment of the patient, made through the API
	related3 [3]string // the patient's appointment, invoice and message
}

// TestBrowserWalkthrough is issue 9's acceptance, in a real Chromium against the whole local
// platform (make run's gateway serves the console and the API alike): a new user signs up,
// finds the test key, lists patients with curl, creates a webhook endpoint and watches a
// delivery arrive, looks at the events, the sandbox, the request logs and the members, rolls
// the key, switches to live mode and back, and logs out. Every page is screenshotted for
// docs/console/ (make screenshots). Every page is checked for horizontal overflow at the desktop
// width, and again at a phone's 390 px (mobile()), with screenshots of both.
func TestBrowserWalkthrough(t *testing.T) {
	env := localtest.Shared(t)
	ctx := browsertest.Start(t)
	w := &walk{t: t, ctx: ctx, env: env, console: env.URL + "/console", problems: watchPage(t, ctx),
		email: uniqueEmail("browser"), invitee: uniqueEmail("invitee"), hook: newHook(t)}

	w.signup()
	w.home()
	w.listPatientsWithCurl()
	w.modeToggle()
	w.createWebhookEndpoint()
	w.watchDelivery()
	w.sendTestEvent()
	w.events()
	w.sandbox()
	w.logs()
	w.editKeyPermissions()
	w.rollKey()
	w.apiVersion()
	w.members()
	w.mobile()
	w.logout()
	w.acceptInvite()
	w.mobileLoggedOut()
}

// shot takes the page's screenshot and checks the browser saw no error on it and the page fits
// the window's width.
func (w *walk) shot(name string) {
	w.t.Helper()
	browsertest.Screenshot(w.t, w.ctx, name)
	w.problems.check(w.t, name)
	w.fits(name)
}

// fits fails the test when the page scrolls sideways: the document wider than the window. It
// names the widest elements that stick out, to say what to fix.
func (w *walk) fits(name string) {
	w.t.Helper()
	over := evalString(w.t, w.ctx, "overflow of "+name, `(() => {
		const d = document.documentElement;
		if (d.scrollWidth <= d.clientWidth) return "";
		const out = [];
		for (const el of document.body.querySelectorAll("*")) {
			const r = el.getBoundingClientRect();
			if (r.right > d.clientWidth + 1 && out.length < 5) out.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className && typeof el.className === "string" ? "." + el.className.split(" ").join(".") : "") + " right=" + Math.round(r.right));
		}
		return "scrollWidth " + d.scrollWidth + " > clientWidth " + d.clientWidth + ": " + out.join(", ");
	})()`)
	assert.Empty(w.t, over, "%s scrolls sideways", name)
}

func (w *walk) signup() {
	t, ctx := w.t, w.ctx
	// A new user arrives at the console's address, as make run prints it.
	browsertest.Open(t, ctx, w.console)
	browsertest.WaitText(t, ctx, "Log in")
	assert.Contains(t, browsertest.Location(t, ctx), "/console/login", "without a session the console asks to log in")
	browsertest.Click(t, ctx, "Create an account")
	browsertest.WaitText(t, ctx, "Create your account")
	w.shot("01-signup")
	// Before login, the forms' double-submit token: a cookie as guarded as the session's.
	w.secureCookie(csrfCookieName)

	browsertest.Fill(t, ctx, "name", "Ada Lovelace")
	browsertest.Fill(t, ctx, "company", "Analytical Clinics")
	browsertest.Fill(t, ctx, "email", w.email)
	browsertest.Fill(t, ctx, "password", "correct horse battery")
	start := time.Now()
	status := browsertest.Submit(t, ctx, "Create account")
	require.Equal(t, http.StatusOK, status, "sign-up lands on a page")
	t.Logf("sign-up (account, keys and St. Mungo's sandbox) took %s", time.Since(start).Round(time.Millisecond))
	browsertest.WaitText(t, ctx, "Get started")
	assert.Equal(t, w.console+"/", browsertest.Location(t, ctx), "sign-up lands on home")

	// The session cookie as the browser keeps it.
	ck := w.secureCookie(sessionCookieName)
	assert.InDelta(t, float64(time.Now().Add(12*time.Hour).Unix()), float64(ck.Expires), 120, "a session lasts 12 hours")
	// No script can read the session: document.cookie does not show it.
	assert.NotContains(t, evalString(t, ctx, "document.cookie", `document.cookie`), sessionCookieName)
}

// secureCookie checks that the browser keeps the console's cookie name Secure, HttpOnly,
// SameSite=Lax, for the whole site, and returns it.
func (w *walk) secureCookie(name string) *network.Cookie {
	w.t.Helper()
	ck := cookie(w.t, w.ctx, w.console+"/", name)
	require.NotNil(w.t, ck, "the console sets %s", name)
	assert.True(w.t, ck.Secure, "%s is Secure", name)
	assert.True(w.t, ck.HTTPOnly, "%s is HttpOnly", name)
	assert.Equal(w.t, network.CookieSameSiteLax, ck.SameSite, "%s is SameSite=Lax", name)
	assert.Equal(w.t, "/", ck.Path, name)
	return ck
}

func (w *walk) home() {
	t, ctx := w.t, w.ctx
	assert.Contains(t, browsertest.Text(t, ctx, ".topbar .account"), "Analytical Clinics", "the top bar names the account")
	w.shot("02-home")
	// Test keys are shown in full (the curl line below carries the key anyway).
	w.key = browsertest.Text(t, ctx, "#test-key code")
	require.Regexp(t, `^sk_test_[0-9A-Za-z]{32}$`, w.key, "home shows the test secret key")
	// The guide's first step needs the sandbox facility's organization id: home shows it.
	w.org = browsertest.Text(t, ctx, "#sandbox-org-id code")
	require.Regexp(t, `^org_[0-9A-Za-z]+$`, w.org, "home shows the sandbox organization id")
}

func (w *walk) listPatientsWithCurl() {
	t, ctx := w.t, w.ctx
	line := browsertest.Text(t, ctx, "#curl")
	require.Contains(t, line, w.key, "the curl line carries the revealed key")
	// Sign-up seeds St. Mungo's on the job queue, after the page: the curl line works at once, and
	// the patients arrive within seconds.
	var data []any
	deadline := time.Now().Add(60 * time.Second)
	for {
		status, list := curl(t, line)
		require.Equal(t, http.StatusOK, status, "the curl line works: %v", list)
		data, _ = list["data"].([]any)
		if len(data) > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	require.NotEmpty(t, data, "the sandbox has patients")
	for _, p := range data {
		p := p.(map[string]any)
		assert.Equal(t, "patient", p["object"])
		assert.Equal(t, false, p["livemode"], "test key, test data")
	}
	// They are St. Mungo's: the organization they belong to is the sandbox clinic.
	org := data[0].(map[string]any)["organizationId"].(string)
	status, o := apiCall(t, http.MethodGet, w.env.URL+"/organizations/"+org, w.key, "")
	require.Equal(t, http.StatusOK, status, "%v", o)
	assert.Equal(t, sandbox.Name, o["name"], "the patients are St. Mungo's")
	assert.Equal(t, org, w.org, "the organization id on home is the sandbox's")
}

// modeToggle switches to live mode (an orange badge says so) and back.
func (w *walk) modeToggle() {
	t, ctx := w.t, w.ctx
	assert.Equal(t, "false", evalString(t, ctx, "toggle state", `document.querySelector('.topbar button.toggle').getAttribute('aria-checked')`))
	clickIn(t, ctx, ".topbar button.toggle")
	browsertest.WaitText(t, ctx, "Live data")
	assert.Equal(t, "true", evalString(t, ctx, "toggle state", `document.querySelector('.topbar button.toggle').getAttribute('aria-checked')`))
	assert.Equal(t, "true", evalString(t, ctx, "live class", `String(document.body.classList.contains('live'))`))
	w.shot("04-home-live")
	// Live mode's home is about live keys: no test key, the live secret redacted (it was shown
	// once), the live publishable key in full.
	text := evalString(t, ctx, "page text", `document.body.innerText`)
	assert.NotContains(t, text, "Your test secret key", "live home does not offer the test key")
	assert.NotContains(t, text, "sk_test_", "live home shows no test key")
	assert.Contains(t, text, "Your live keys")
	assert.Regexp(t, `^sk_live_\.\.\.[0-9A-Za-z]{4}$`, browsertest.Text(t, ctx, `#live-keys dd[data-type="secret"]`), "the live secret, redacted")
	assert.Regexp(t, `^pk_live_[0-9A-Za-z]{32}$`, browsertest.Text(t, ctx, `#live-keys dd[data-type="publishable"] code`), "the live publishable key")
	assert.Contains(t, browsertest.Text(t, ctx, "#curl"), "sk_live_...", "the curl line has a live placeholder")
	clickIn(t, ctx, ".topbar button.toggle")
	browsertest.WaitText(t, ctx, "Get started")
	assert.Equal(t, "false", evalString(t, ctx, "toggle state", `document.querySelector('.topbar button.toggle').getAttribute('aria-checked')`))
	assert.NotContains(t, evalString(t, ctx, "page text", `document.body.innerText`), "Live data", "back in test mode")
}

func (w *walk) createWebhookEndpoint() {
	t, ctx := w.t, w.ctx
	browsertest.Click(t, ctx, "Webhooks")
	browsertest.WaitText(t, ctx, "Webhooks")
	assert.Equal(t, w.console+"/webhooks", browsertest.Location(t, ctx))
	w.shot("05-webhooks-empty")

	browsertest.Fill(t, ctx, "url", w.hook.srv.URL+"/hapihub")
	browsertest.Check(t, ctx, "events", "patient.created")
	browsertest.Fill(t, ctx, "description", "Local listener")
	status := browsertest.Submit(t, ctx, "Add endpoint")
	require.Equal(t, http.StatusOK, status)
	browsertest.WaitText(t, ctx, w.hook.srv.URL+"/hapihub")
	loc := browsertest.Location(t, ctx)
	require.Regexp(t, `/console/webhooks/we_[0-9A-Za-z]+$`, loc, "creating an endpoint opens its page")
	w.endpoint = loc[strings.LastIndex(loc, "/")+1:]

	browsertest.WaitText(t, ctx, "Endpoint created")
	w.shot("06-webhook-detail")
	// Its signing secret, revealed on its page.
	browsertest.Submit(t, ctx, "Reveal")
	w.secret = browsertest.Text(t, ctx, "#secret .copyable code")
	require.Regexp(t, `^whsec_`, w.secret)

}

// watchDelivery creates a patient through the API and reloads the endpoint's page until the
// delivery shows as succeeded; the endpoint got it signed with the secret the page showed.
func (w *walk) watchDelivery() {
	t, ctx := w.t, w.ctx
	dob := strconv.FormatInt(time.Date(1973, 3, 25, 0, 0, 0, 0, time.UTC).UnixMilli(), 10)
	status, p := apiCall(t, http.MethodPost, w.env.URL+"/patients", w.key, `{"firstName":"Nymphadora","lastName":"Tonks","email":"tonks@example.com","dateOfBirth":`+dob+`,"tags":["metamorphmagus","auror"]}`)
	require.Equal(t, http.StatusCreated, status, "%v", p)
	w.patient = p["id"].(string)

	var got hookRequest
	require.NoError(t, waitFor(10*time.Second, func() bool {
		var ok bool
		got, _, ok = w.hook.eventOf("patient.created", w.patient)
		return ok
	}), "the endpoint receives patient.created for %s", w.patient)
	assert.NoError(t, webhook.Verify(got.Body, got.Header.Get(webhook.SignatureHeader), w.secret, 5*time.Minute),
		"the delivery is signed with the secret the page revealed")

	err := waitFor(10*time.Second, func() bool {
		browsertest.Open(t, ctx, w.console+"/webhooks/"+w.endpoint)
		return evalString(t, ctx, "deliveries", `String(document.querySelectorAll('#deliveries tr[data-status="succeeded"]').length)`) != "0"
	})
	require.NoError(t, err, "the endpoint's page shows a succeeded delivery")
	w.shot("07-webhook-delivered")
	browsertest.Click(t, ctx, "Webhooks")
	browsertest.WaitVisible(t, ctx, `#endpoints tr[data-id="`+w.endpoint+`"]`)
	w.shot("08-webhooks")
	browsertest.Open(t, ctx, w.console+"/webhooks/"+w.endpoint)

	// The delivery's own page: each attempt's status and the response body.
	clickIn(t, ctx, `#deliveries tr[data-status="succeeded"] a[href*="/deliveries/"]`)
	browsertest.WaitText(t, ctx, "Delivery of patient.created")
	assert.Equal(t, "succeeded", evalString(t, ctx, "delivery status", `document.querySelector('#delivery').dataset.status`))
	assert.Contains(t, browsertest.Text(t, ctx, "#attempts tbody tr"), "200", "the attempt's response status")
	assert.Contains(t, browsertest.Text(t, ctx, "#attempts pre.body"), `{"received":true}`, "the attempt's response body")
	assert.Contains(t, browsertest.Text(t, ctx, "#payload"), w.patient, "the event sent")
	w.delivery = browsertest.Location(t, ctx)
	w.shot("09-delivery")
}

// sendTestEvent sends a test event from the endpoint's page; it arrives too.
func (w *walk) sendTestEvent() {
	t, ctx := w.t, w.ctx
	browsertest.Open(t, ctx, w.console+"/webhooks/"+w.endpoint)
	before := len(w.hook.requests())
	browsertest.Submit(t, ctx, "Send test event")
	browsertest.WaitText(t, ctx, "Test patient.created event")
	require.NoError(t, waitFor(10*time.Second, func() bool { return len(w.hook.requests()) > before }),
		"the test event reaches the endpoint")
	w.problems.check(t, "send test event")
}

func (w *walk) events() {
	t, ctx := w.t, w.ctx
	browsertest.Click(t, ctx, "Events")
	browsertest.WaitVisible(t, ctx, `#events tr[data-type="patient.created"]`)
	w.shot("10-events")
	// Search by type; the patient's event is listed with its object.
	browsertest.Fill(t, ctx, "type", "patient.*")
	browsertest.Submit(t, ctx, "Search")
	browsertest.WaitText(t, ctx, w.patient)
	assert.NotContains(t, evalString(t, ctx, "types listed", `[...document.querySelectorAll('#events tr[data-type]')].map(r => r.dataset.type).join(' ')`),
		"webhook_endpoint.", "the search keeps patient events only")
	w.event = evalString(t, ctx, "mark the patient's event", `(() => { for (const tr of document.querySelectorAll('#events tbody tr')) `+
		`if (tr.innerText.includes(`+jsString(w.patient)+`) && tr.dataset.type === 'patient.created') { tr.querySelector('a').id = 'the-event'; return tr.dataset.id } return '' })()`)
	clickIn(t, ctx, "#the-event")
	browsertest.WaitText(t, ctx, "Tonks")
	assert.Regexp(t, `/console/events/evt_[0-9A-Za-z]+$`, browsertest.Location(t, ctx))
	// The event page shows where it was delivered.
	browsertest.WaitVisible(t, ctx, `#event-deliveries #deliveries tr[data-status="succeeded"]`)
	w.shot("11-event-detail")
}

func (w *walk) sandbox() {
	t, ctx := w.t, w.ctx
	browsertest.Click(t, ctx, "Sandbox")
	browsertest.WaitText(t, ctx, "St. Mungo")
	w.shot("12-sandbox")
	w.idColumnShown()
	browsertest.Fill(t, ctx, "q", "Tonks")
	browsertest.Submit(t, ctx, "Search")
	browsertest.WaitText(t, ctx, "Nymphadora")
	w.related()
	clickIn(t, ctx, `a[href*="`+w.patient+`"]`)
	browsertest.WaitText(t, ctx, "tonks@example.com")
	w.record()
	w.shot("13-sandbox-patient")
	clickIn(t, ctx, `#related-appointments tr[data-id="`+w.appt+`"] a`)
	browsertest.WaitText(t, ctx, "Appointment, ")
	assert.Contains(t, browsertest.Text(t, ctx, `#fields tr[data-field="patientId"] a`), w.patient, "the appointment links its patient")
	w.shot("13b-sandbox-appointment")
}

func (w *walk) logs() {
	t, ctx := w.t, w.ctx
	browsertest.Click(t, ctx, "Logs")
	browsertest.WaitText(t, ctx, "last 7 days")
	w.shot("14-logs")
	// The console's own calls are listed too (by the member's name); the filters find the
	// patient creation made with the test key.
	keyID := w.keyID(w.key)
	browsertest.Fill(t, ctx, "key", keyID)
	browsertest.Fill(t, ctx, "method", "POST")
	browsertest.Submit(t, ctx, "Filter")
	browsertest.WaitText(t, ctx, "Clear")
	evalString(t, ctx, "mark the POST /patients row", `(() => { for (const tr of document.querySelectorAll('table tbody tr')) `+
		`if (tr.cells[1].innerText.trim() === 'POST' && tr.cells[2].innerText.trim() === '/patients') { tr.id = 'the-post'; return tr.innerText } return '' })()`)
	row := browsertest.Text(t, ctx, "#the-post")
	assert.Contains(t, row, "201")
	assert.Contains(t, row, keyID, "the key used")
	assert.NotContains(t, evalString(t, ctx, "methods listed", `[...document.querySelectorAll('table tbody tr')].map(r => r.cells[1].innerText).join(' ')`), "GET", "filtered to POST")
	w.shot("15-logs-filtered")
	clickIn(t, ctx, "#the-post td:nth-child(3) a")
	browsertest.WaitText(t, ctx, "POST /patients")
	browsertest.WaitText(t, ctx, keyID)
	w.log = browsertest.Location(t, ctx)
	w.shot("16-log-detail")
	// Any request is found by its Request-Id (its log's id), as a developer would paste it.
	reqID := browsertest.Text(t, ctx, "#request-id code")
	require.Regexp(t, `^req_`, reqID)
	browsertest.Click(t, ctx, "Logs")
	browsertest.WaitText(t, ctx, "last 7 days")
	browsertest.Fill(t, ctx, "request", reqID)
	browsertest.Submit(t, ctx, "Find")
	browsertest.WaitText(t, ctx, "POST /patients")
	assert.Equal(t, w.log, browsertest.Location(t, ctx), "the Request-Id opens its log")
}

// keyID is the id of a key, as the API lists it.
func (w *walk) keyID(secret string) string {
	w.t.Helper()
	status, list := apiCall(w.t, http.MethodGet, w.env.URL+"/api-keys", secret, "")
	require.Equal(w.t, http.StatusOK, status, "%v", list)
	for _, k := range list["data"].([]any) {
		if k := k.(map[string]any); k["type"] == "secret" {
			return k["id"].(string)
		}
	}
	w.t.Fatal("no secret key listed")
	return ""
}

// rollKey rolls the test secret key on the keys page with an hour's grace: the old key keeps
// working, the new one works at once.
func (w *walk) rollKey() {
	t, ctx := w.t, w.ctx
	browsertest.Click(t, ctx, "API keys")
	browsertest.WaitText(t, ctx, "Create a restricted key")
	w.shot("17-keys")
	w.rollSelectShown()
	// The active secret key's row: its type cell says secret and it can be rolled (a rolled key
	// keeps its row until it expires, without a roll form).
	row := `(() => { for (const tr of document.querySelectorAll("table:not(.grid) tbody tr")) ` +
		`if (tr.cells[2] && tr.cells[2].innerText.trim() === "secret" && tr.querySelector("form[action$='/roll']")) return tr; return null })()`
	evalString(t, ctx, "choose the grace", `(() => { const s = `+row+`.querySelector("select[name=grace]"); s.value = "1h"; return s.value })()`)
	evalString(t, ctx, "mark the roll button", `(() => { `+row+`.querySelector("form[action$='/roll'] button").id = "roll-secret"; return "" })()`)
	clickIn(t, ctx, "#roll-secret")
	assert.Contains(t, w.problems.lastDialog(), "Roll", "rolling asks for confirmation")
	browsertest.WaitText(t, ctx, "Key rolled")
	rolled := browsertest.Text(t, ctx, "#shown code")
	require.Regexp(t, `^sk_test_[0-9A-Za-z]{32}$`, rolled)
	require.NotEqual(t, w.key, rolled)
	assert.Contains(t, browsertest.Text(t, ctx, ".notice"), "keeps working until")
	w.shot("18-keys-rolled")

	status, _ := apiCall(t, http.MethodGet, w.env.URL+"/patients?$limit=1", rolled, "")
	assert.Equal(t, http.StatusOK, status, "the new key works")
	status, _ = apiCall(t, http.MethodGet, w.env.URL+"/patients?$limit=1", w.key, "")
	assert.Equal(t, http.StatusOK, status, "the old key works during its grace period")

	// Rolling the new key with no grace blocks it at once.
	browsertest.Open(t, ctx, w.console+"/keys")
	evalString(t, ctx, "choose no grace", `(() => { const s = `+row+`.querySelector("select[name=grace]"); s.value = "now"; return s.value })()`)
	evalString(t, ctx, "mark the roll button", `(() => { `+row+`.querySelector("form[action$='/roll'] button").id = "roll-secret"; return "" })()`)
	clickIn(t, ctx, "#roll-secret")
	browsertest.WaitText(t, ctx, "the old key is blocked now")
	newest := browsertest.Text(t, ctx, "#shown code")
	require.Regexp(t, `^sk_test_[0-9A-Za-z]{32}$`, newest)
	require.NoError(t, waitFor(5*time.Second, func() bool {
		s, _ := apiCall(t, http.MethodGet, w.env.URL+"/patients?$limit=1", rolled, "")
		return s == http.StatusUnauthorized
	}), "a key rolled with no grace is refused")
	status, _ = apiCall(t, http.MethodGet, w.env.URL+"/patients?$limit=1", newest, "")
	assert.Equal(t, http.StatusOK, status, "the newest key works")
	w.problems.check(t, "roll")
}

func (w *walk) members() {
	t, ctx := w.t, w.ctx
	browsertest.Click(t, ctx, "Members")
	browsertest.WaitText(t, ctx, w.email)
	browsertest.WaitText(t, ctx, "Invite a member")
	browsertest.Fill(t, ctx, "email", w.invitee)
	browsertest.Submit(t, ctx, "Create invite link")
	w.invite = browsertest.Text(t, ctx, "#invite-link code")
	require.Contains(t, w.invite, w.console+"/invite/", "the owner gets a one-time link to hand over")
	browsertest.WaitVisible(t, ctx, `#invites tr[data-email="`+w.invitee+`"]`)
	w.shot("19-members")

	// An invite made by mistake is revoked from the pending list (after a confirm dialog).
	mistake := uniqueEmail("mistake")
	browsertest.Fill(t, ctx, "email", mistake)
	browsertest.Submit(t, ctx, "Create invite link")
	browsertest.WaitVisible(t, ctx, `#invites tr[data-email="`+mistake+`"]`)
	clickIn(t, ctx, `#invites tr[data-email="`+mistake+`"] button.danger`)
	assert.Contains(t, w.problems.lastDialog(), "Revoke the invite of "+mistake, "revoking asks for confirmation")
	browsertest.WaitText(t, ctx, "Invite revoked")
	assert.Equal(t, "0", evalString(t, ctx, "revoked row", `String(document.querySelectorAll('#invites tr[data-email="`+mistake+`"]').length)`))
	assert.Equal(t, "1", evalString(t, ctx, "pending row", `String(document.querySelectorAll('#invites tr[data-email="`+w.invitee+`"]').length)`))
	w.problems.check(t, "revoke invite")
}

// acceptInvite: the invited developer opens the owner's link, joins, and sees the console with
// the role's limits (no members management).
func (w *walk) acceptInvite() {
	t, ctx := w.t, w.ctx
	browsertest.Click(t, ctx, "Ada Lovelace · owner")
	browsertest.Submit(t, ctx, "Log out")
	browsertest.Open(t, ctx, w.invite)
	browsertest.WaitText(t, ctx, "Join Analytical Clinics")
	w.shot("21-invite")
	browsertest.Fill(t, ctx, "name", "Grace Hopper")
	browsertest.Fill(t, ctx, "password", "another horse battery")
	browsertest.Submit(t, ctx, "Accept invite")
	browsertest.WaitText(t, ctx, "Grace Hopper · developer")
	browsertest.Click(t, ctx, "Members")
	browsertest.WaitText(t, ctx, "Only owners can invite, change or remove members.")
	w.problems.check(t, "invited member")
	// The link is spent.
	browsertest.Click(t, ctx, "Grace Hopper · developer")
	browsertest.Submit(t, ctx, "Log out")
	browsertest.Open(t, ctx, w.invite)
	assert.NotContains(t, browsertest.Text(t, ctx, "body"), "Accept invite", "an invite link works once")
	w.problems.expected("404") // the spent link answers 404, which the browser logs
}

func (w *walk) logout() {
	t, ctx := w.t, w.ctx
	browsertest.Click(t, ctx, "Ada Lovelace · owner")
	browsertest.Submit(t, ctx, "Log out")
	browsertest.WaitText(t, ctx, "You are logged out")
	assert.Contains(t, browsertest.Location(t, ctx), "/console/login")
	assert.Nil(t, cookie(t, ctx, w.console+"/", sessionCookieName), "logging out drops the session cookie")
	w.shot("20-login")
	// The console asks to log in again, and comes back where the member was going.
	browsertest.Open(t, ctx, w.console+"/keys")
	browsertest.WaitText(t, ctx, "Log in")
	assert.Contains(t, browsertest.Location(t, ctx), "/console/login")
	browsertest.Fill(t, ctx, "email", w.email)
	browsertest.Fill(t, ctx, "password", "correct horse battery")
	browsertest.Submit(t, ctx, "Log in")
	browsertest.WaitText(t, ctx, "Create a restricted key")
	assert.Equal(t, w.console+"/keys", browsertest.Location(t, ctx))
	w.problems.check(t, "log in again")
}

// apiVersion changes the account's API version on the keys page (to the latest, which a new
// account is on already: the flow is what is walked), after the dialog that says the change is
// account-wide.
func (w *walk) apiVersion() {
	t, ctx := w.t, w.ctx
	browsertest.Click(t, ctx, "API keys")
	browsertest.WaitText(t, ctx, "This account is on API version")
	evalString(t, ctx, "confirm the change", `(() => { const f = document.querySelector("#api-version form"); `+
		`f.querySelector("input[name=confirm]").checked = true; f.querySelector("button").id = "change-version"; return "" })()`)
	clickIn(t, ctx, "#change-version")
	assert.Contains(t, w.problems.lastDialog(), "whole account", "changing the version asks for confirmation")
	browsertest.WaitText(t, ctx, "API version changed to")
	w.shot("18b-api-version")
}
