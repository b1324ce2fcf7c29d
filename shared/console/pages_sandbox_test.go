package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/auth"
	"github.com/hapihub/hapihub/shared/sandbox"
	"github.com/hapihub/hapihub/shared/store/accountstore"
)

// apiList lists a resource with the test key, as the console's page should show it.
func apiList(t *testing.T, c *consoleEnv, key, resource, query string) []map[string]any {
	t.Helper()
	r := c.env.Do(t, http.MethodGet, "/"+resource+query, key, nil)
	// The sandbox account's test keys share one budget (25/s) with the console's own calls and
	// the other tests on the shared platform: wait out a 429 as a client would.
	for tries := 0; r.Status == http.StatusTooManyRequests && tries < 10; tries++ {
		time.Sleep(time.Second)
		r = c.env.Do(t, http.MethodGet, "/"+resource+query, key, nil)
	}
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var out []map[string]any
	for _, o := range r.JSON(t)["data"].([]any) {
		out = append(out, o.(map[string]any))
	}
	return out
}

// nameRe matches a person's name as a table shows it: first name, preferred name in brackets
// when there is one, last name.
func nameRe(p map[string]any) string {
	return regexp.QuoteMeta(fmt.Sprint(p["firstName"])) + `( \([^)]*\))? ` + regexp.QuoteMeta(fmt.Sprint(p["lastName"]))
}

// rowIDs are the object ids a sandbox table links to, in order.
func rowIDs(body, resource string) []string {
	return linkedIDs(body, `/console/sandbox/`+resource+`/([a-z]+_[0-9A-Za-z]{26})`)
}

func TestSandboxPages(t *testing.T) {
	c := newConsole(t)
	b, key := ownerWithKey(t, c, "sandbox")

	patients := apiList(t, c, key, "patients", "?$limit=100")
	require.Len(t, patients, tinySandbox.Patients)

	t.Run("lists the patients the API returns", func(t *testing.T) {
		p := b.get("/console/sandbox")
		require.Equal(t, http.StatusOK, p.Status, p.Text())
		assert.Contains(t, p.Text(), sandbox.Name+", test mode")
		for _, pat := range patients {
			assert.Regexp(t, nameRe(pat), p.Text())
		}
		var ids []string
		for _, pat := range patients {
			ids = append(ids, pat["id"].(string))
		}
		assert.Equal(t, ids, rowIDs(p.Body, "patients"), "in the API's order")
		assert.Contains(t, p.Text(), fmt.Sprintf("1–%d of %d", len(patients), len(patients)))
		assert.Contains(t, p.Body, `type="search"`, "patients can be searched")
	})

	t.Run("every tab shows the API's objects", func(t *testing.T) {
		for _, tc := range []struct {
			resource string
			search   bool
			want     int
		}{
			{"practitioners", true, tinySandbox.Practitioners},
			{"appointments", true, tinySandbox.Appointments},
			{"messages", true, tinySandbox.Messages},
			{"invoices", false, tinySandbox.Invoices},
		} {
			p := b.get("/console/sandbox/" + tc.resource)
			require.Equal(t, http.StatusOK, p.Status, tc.resource)
			var want []string
			for _, o := range apiList(t, c, key, tc.resource, "") {
				want = append(want, o["id"].(string))
			}
			assert.Len(t, want, tc.want, tc.resource)
			assert.Equal(t, want, rowIDs(p.Body, tc.resource), tc.resource)
			assert.Equal(t, tc.search, strings.Contains(p.Body, `type="search"`), "%s: search box", tc.resource)
		}
		// Appointments name their patient and practitioner, read through the API.
		appt := apiList(t, c, key, "appointments", "?$limit=1")[0]
		pat := c.env.Do(t, http.MethodGet, "/patients/"+appt["patientId"].(string), key, nil).JSON(t)
		prac := c.env.Do(t, http.MethodGet, "/practitioners/"+appt["practitionerId"].(string), key, nil).JSON(t)
		assert.Regexp(t, `UTC `+regexp.QuoteMeta(fmt.Sprint(prac["title"]))+" "+nameRe(prac)+" "+nameRe(pat), b.get("/console/sandbox/appointments").Text())
	})

	t.Run("pagination", func(t *testing.T) {
		for _, tc := range []struct {
			skip     int
			showing  string
			hasPrev  bool
			hasNext  bool
			apiQuery string
		}{
			{0, "1–2 of 5", false, true, "?$limit=2"},
			{2, "3–4 of 5", true, true, "?$limit=2&$skip=2"},
			{4, "5–5 of 5", true, false, "?$limit=2&$skip=4"},
		} {
			p := b.get(fmt.Sprintf("/console/sandbox/patients?limit=2&skip=%d", tc.skip))
			require.Equal(t, http.StatusOK, p.Status)
			assert.Contains(t, p.Text(), tc.showing)
			var want []string
			for _, o := range apiList(t, c, key, "patients", tc.apiQuery) {
				want = append(want, o["id"].(string))
			}
			assert.Equal(t, want, rowIDs(p.Body, "patients"), "skip %d", tc.skip)
			assert.Equal(t, tc.hasPrev, strings.Contains(p.Body, `rel="prev"`), "skip %d: previous", tc.skip)
			assert.Equal(t, tc.hasNext, strings.Contains(p.Body, `rel="next"`), "skip %d: next", tc.skip)
			if tc.hasNext {
				assert.Contains(t, p.Body, fmt.Sprintf("skip=%d", tc.skip+2), "next page link")
			}
		}
	})

	t.Run("search narrows the list", func(t *testing.T) {
		target := patients[len(patients)-1]
		last := target["lastName"].(string)
		found := apiList(t, c, key, "patients", "?$search="+url.QueryEscape(last))
		require.NotEmpty(t, found)
		require.Less(t, len(found), len(patients), "the search must narrow the sandbox for this test to mean anything")
		p := b.get("/console/sandbox/patients?q=" + url.QueryEscape(last))
		require.Equal(t, http.StatusOK, p.Status, p.Text())
		var want []string
		for _, o := range found {
			want = append(want, o["id"].(string))
		}
		assert.Equal(t, want, rowIDs(p.Body, "patients"))
		assert.Contains(t, p.Body, `value="`+last+`"`, "the search box keeps the text")

		none := b.get("/console/sandbox/patients?q=zzzqqqxxnothing")
		assert.Empty(t, rowIDs(none.Body, "patients"))
		assert.Contains(t, none.Text(), "No patients match")
	})

	t.Run("detail page", func(t *testing.T) {
		appt := apiList(t, c, key, "appointments", "?$limit=1")[0]
		id := appt["id"].(string)
		p := b.get("/console/sandbox/appointments/" + id)
		require.Equal(t, http.StatusOK, p.Status, p.Text())
		assert.Contains(t, p.Text(), `"id": "`+id+`"`, "the JSON, pretty-printed")
		assert.Contains(t, p.Text(), `"status": "`+appt["status"].(string)+`"`)
		assert.Contains(t, p.Text(), "patientId "+appt["patientId"].(string), "the fields table")
		assert.Contains(t, p.Body, `href="/console/sandbox/patients/`+appt["patientId"].(string)+`"`, "references link to their object")

		missing := b.get("/console/sandbox/patients/pat_00000000000000000000000000")
		assert.Equal(t, http.StatusNotFound, missing.Status)
		assert.Contains(t, missing.Text(), "NOT_FOUND")
		assert.Equal(t, http.StatusNotFound, b.get("/console/sandbox/wands").Status)
	})

	t.Run("an object's page reads like a record", func(t *testing.T) {
		appt := apiList(t, c, key, "appointments", "?$limit=1")[0]
		pid := appt["patientId"].(string)
		got := c.env.Do(t, http.MethodGet, "/patients/"+pid, key, nil)
		require.Equal(t, http.StatusOK, got.Status, string(got.Body))
		pat := got.JSON(t)
		// Give the patient tags, so the page has chips to show.
		upd := c.env.Do(t, http.MethodPatch, "/patients/"+pid, key, map[string]any{"tags": []string{"allergy: penicillin", "vip"}})
		require.Equal(t, http.StatusOK, upd.Status, string(upd.Body))

		p := b.get("/console/sandbox/patients/" + pid)
		require.Equal(t, http.StatusOK, p.Status, p.Text())
		assert.Regexp(t, `<h1>`+nameRe(pat)+` <span class="pill`, p.Body, "the patient's name is the title")
		assert.Regexp(t, `<title>`+nameRe(pat)+` · HAPI Hub</title>`, p.Body)
		if dob, ok := pat["dateOfBirth"].(float64); ok {
			want := time.UnixMilli(int64(dob)).UTC().Format("2 Jan 2006")
			assert.Regexp(t, `data-field="dateOfBirth"><th class="mono">dateOfBirth</th><td>`+want+`</td>`, p.Body, "a date of birth is a date")
		}
		created := time.UnixMilli(int64(pat["createdAt"].(float64))).UTC().Format("Mon 2 Jan 2006, 15:04:05 UTC")
		assert.Contains(t, p.Body, `<time datetime="`+created+`">`+created+`</time>`, "times are dates and times")
		assert.Contains(t, p.Body, `<span class="chip">allergy: penicillin</span><span class="chip">vip</span>`, "tags are chips")

		// Each related list holds what the API finds for the patient, linked, with its total.
		for _, res := range []string{"appointments", "invoices", "messages"} {
			r := c.env.Do(t, http.MethodGet, "/"+res+"?patientId="+pid+"&$limit=10&$total=true", key, nil).JSON(t)
			section := regexp.MustCompile(`(?s)<section class="panel related" id="related-` + res + `">.*?</section>`).FindString(p.Body)
			require.NotEmpty(t, section, res)
			var want []string
			for _, o := range r["data"].([]any) {
				want = append(want, o.(map[string]any)["id"].(string))
			}
			assert.ElementsMatch(t, want, uniqIDs(rowIDs(section, res)), "the patient's %s", res)
			assert.Contains(t, section, fmt.Sprintf(`<span class="muted small">%d</span>`, int(r["total"].(float64))), "%s total", res)
			assert.NotContains(t, section, "<th>Patient</th>", "the patient is not repeated on every row")
		}
		assert.Contains(t, p.Body, appt["id"].(string))
		// The PATCH above is among the patient's requests and events.
		events := regexp.MustCompile(`(?s)<section class="panel" id="object-events">.*?</section>`).FindString(p.Body)
		assert.Contains(t, events, ">patient.updated</a>", "the patient's events")
		logs := regexp.MustCompile(`(?s)<section class="panel" id="object-logs">.*?</section>`).FindString(p.Body)
		assert.Contains(t, logs, "PATCH /patients/"+pid, "the requests that touched the patient")

		// An appointment's title is its time; a practitioner's, the name.
		a := b.get("/console/sandbox/appointments/" + appt["id"].(string))
		assert.Contains(t, a.Body, "<h1>Appointment, "+time.UnixMilli(int64(appt["startsAt"].(float64))).UTC().Format("Mon 2 Jan 2006, 15:04 UTC"))
	})

	t.Run("live mode without a connected clinic", func(t *testing.T) {
		b.post("/console/mode", "mode", "live", "back", "/sandbox")
		defer b.post("/console/mode", "mode", "test", "back", "/sandbox")
		p := b.get("/console/sandbox")
		require.Equal(t, http.StatusOK, p.Status, p.Text())
		assert.Contains(t, p.Text(), "No clinic is connected to this account in live mode yet")
		assert.NotContains(t, p.Text(), "Reset sandbox", "live data is never reset")
	})
}

// TestSandboxLiveOrganizations browses the live clinics of the local platform's bootstrapped
// account (two demo organizations) with an organization picker.
func TestSandboxLiveOrganizations(t *testing.T) {
	c := newConsole(t)
	ctx := context.Background()
	k, ok, err := c.store.KeyByHash(ctx, auth.Hash(c.env.LiveKey))
	require.NoError(t, err)
	require.True(t, ok)
	email := uniqueEmail("live")
	b := c.browser(t)
	b.signup(email)
	c.clock.Advance(time.Second) // the newest membership is the one a login opens
	require.NoError(t, c.store.AddMember(ctx, accountstore.Membership{Account: k.AccountID, AccountName: "Local developer", Email: email,
		Name: "Ada Lovelace", Role: accountstore.RoleOwner, CreatedAt: c.clock.Now().UnixMilli()}))
	b.post("/console/logout")
	b.login(email, "correct horse battery")
	b.post("/console/mode", "mode", "live", "back", "/sandbox")

	orgs := c.env.Do(t, http.MethodGet, "/organizations", c.env.LiveKey, nil).JSON(t)["data"].([]any)
	require.Len(t, orgs, 2)
	for _, o := range orgs {
		o := o.(map[string]any)
		id, name := o["id"].(string), o["name"].(string)
		p := b.get("/console/sandbox/practitioners?org=" + id)
		require.Equal(t, http.StatusOK, p.Status, p.Text())
		assert.Contains(t, p.Text(), "live mode: "+name)
		assert.Regexp(t, `<option value="`+id+`" selected>`, p.Body, "the picker shows the organization")
		var want []string
		for _, x := range c.env.Do(t, http.MethodGet, "/practitioners", c.env.LiveKey, nil, "HapiHub-Organization", id).JSON(t)["data"].([]any) {
			want = append(want, x.(map[string]any)["id"].(string))
		}
		require.NotEmpty(t, want)
		assert.Equal(t, want, rowIDs(p.Body, "practitioners"), name)
		assert.Contains(t, p.Body, "?org="+id, "links keep the organization")
		assert.NotContains(t, p.Text(), "Reset sandbox")

		obj := b.get("/console/sandbox/practitioners/" + want[0] + "?org=" + id)
		require.Equal(t, http.StatusOK, obj.Status, obj.Text())
		assert.Contains(t, obj.Text(), `"id": "`+want[0]+`"`)
		assert.Contains(t, obj.Text(), `"organizationId": "`+id+`"`)
	}
	// Without ?org= the first organization shows, on the list and on an object's page alike.
	p := b.get("/console/sandbox/practitioners")
	require.Equal(t, http.StatusOK, p.Status, p.Text())
	first := rowIDs(p.Body, "practitioners")[0]
	obj := b.get("/console/sandbox/practitioners/" + first)
	assert.Equal(t, http.StatusOK, obj.Status, obj.Text())
}

func TestSandboxResetRefusedToViewer(t *testing.T) {
	c := newConsole(t)
	owner, key := ownerWithKey(t, c, "reset-owner")
	viewer := joinAs(t, c, owner, "viewer")
	before := apiList(t, c, key, "patients", "?$limit=100")

	p := viewer.get("/console/sandbox/invoices")
	require.Equal(t, http.StatusOK, p.Status, "a viewer browses the sandbox")
	assert.Len(t, rowIDs(p.Body, "invoices"), tinySandbox.Invoices)
	p = viewer.post("/console/sandbox/reset", "resource", "invoices")
	assert.Equal(t, http.StatusForbidden, p.Status)
	assert.Regexp(t, `PERMISSIONS_ERROR .*sandbox`, p.Text(), "the API's refusal, in place")
	assert.Len(t, rowIDs(p.Body, "invoices"), tinySandbox.Invoices, "the tab still shows under the message")
	assert.Equal(t, before, apiList(t, c, key, "patients", "?$limit=100"), "nothing was reset")
}

// uniqIDs drops repeats, keeping the order (a row links its object twice: first column and id).
func uniqIDs(ids []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
