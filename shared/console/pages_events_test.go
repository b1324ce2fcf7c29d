package console_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/sdk/go/hapihub"
)

var eventRowRe = regexp.MustCompile(`<tr data-id="(evt_[0-9A-Za-z]+)" data-type="([a-z_.]+)">`)

type eventRow struct{ ID, Type string }

func eventRows(p *webPage) []eventRow {
	var out []eventRow
	for _, m := range eventRowRe.FindAllStringSubmatch(p.Body, -1) {
		out = append(out, eventRow{m[1], m[2]})
	}
	return out
}

// TestEventsPage: the list newest first, filtered by exact type and by wildcard, paged, an event
// id search, and the API's refusal of an unknown type shown next to the search box.
func TestEventsPage(t *testing.T) {
	c := newConsole(t)
	b, key := ownerWithKey(t, c, "events")
	api := hapihub.New(key, hapihub.WithBaseURL(c.env.URL), hapihub.WithHTTPClient(c.env.Client), hapihub.WithMaxRetries(5))
	ctx := context.Background()

	// 26 patients (one more than a page) and one update: their events, newest last.
	var created []string
	for i := range 26 {
		p, err := api.Patients.Create(ctx, &hapihub.Patient{FirstName: "Event", LastName: strings.Repeat("e", i+1)})
		require.NoError(t, err)
		created = append(created, p.ID)
	}
	_, err := api.Patients.Patch(ctx, created[0], map[string]any{"firstName": "Changed"})
	require.NoError(t, err)
	var mine []hapihub.Event // what the API lists for these patients, newest first
	for ev, err := range api.Events.All(ctx, hapihub.Where(hapihub.Eq("type", "patient.*"))) {
		require.NoError(t, err)
		for _, id := range created {
			if strings.Contains(string(ev.Data.Object), `"id":"`+id+`"`) {
				mine = append(mine, ev)
			}
		}
	}
	require.Len(t, mine, 27)
	require.Equal(t, "patient.updated", mine[0].Type, "newest first")

	cases := []struct {
		name  string
		query string
		check func(t *testing.T, p *webPage, rows []eventRow)
	}{
		{"everything, newest first", "", func(t *testing.T, p *webPage, rows []eventRow) {
			require.NotEmpty(t, rows)
			assert.Equal(t, eventRow{mine[0].ID, "patient.updated"}, rows[0])
			assert.Len(t, rows, 25, "a page")
			assert.Contains(t, p.Body, `rel="next"`, "more than a page")
			assert.Contains(t, p.Text(), created[0], "the object's id")
		}},
		{"an exact type", "?type=patient.updated", func(t *testing.T, p *webPage, rows []eventRow) {
			require.NotEmpty(t, rows)
			assert.Equal(t, mine[0].ID, rows[0].ID)
			for _, r := range rows {
				assert.Equal(t, "patient.updated", r.Type)
			}
			assert.NotContains(t, p.Body, `rel="next"`)
		}},
		{"a wildcard", "?type=patient.*", func(t *testing.T, p *webPage, rows []eventRow) {
			assert.Len(t, rows, 25)
			for i, r := range rows {
				assert.True(t, strings.HasPrefix(r.Type, "patient."), r.Type)
				assert.Equal(t, mine[i].ID, r.ID, "row %d in the API's order", i)
			}
		}},
		{"the wildcard's second page", "?type=patient.*&skip=25", func(t *testing.T, p *webPage, rows []eventRow) {
			require.GreaterOrEqual(t, len(rows), 2)
			assert.Equal(t, mine[25].ID, rows[0].ID, "continues where the first page ended")
			assert.Contains(t, p.Body, `rel="prev"`)
			assert.Contains(t, p.Body, `href="/console/events?type=patient.%2A"`, "newer keeps the filter")
		}},
		{"a type with no events", "?type=invoice.paid", func(t *testing.T, p *webPage, rows []eventRow) {
			assert.Empty(t, rows)
			assert.Contains(t, p.Text(), "No events of this type")
		}},
		{"an unknown type", "?type=patient.exploded", func(t *testing.T, p *webPage, rows []eventRow) {
			assert.Equal(t, http.StatusBadRequest, p.Status)
			assert.Contains(t, p.Text(), "INVALID_PARAMETERS")
			assert.Regexp(t, `<div class="field-error">&#34;patient.exploded&#34; is not an event type`, p.Body)
		}},
		{"an event id", "?type=" + mine[5].ID, func(t *testing.T, p *webPage, rows []eventRow) {
			assert.Equal(t, "/console/events/"+mine[5].ID, p.URL)
			assert.Contains(t, p.Body, `data-id="`+mine[5].ID+`"`)
			assert.Contains(t, p.Text(), `"type": "patient.created"`, "the event's JSON")
			assert.Contains(t, p.Text(), "No webhook endpoint in this mode received this event")
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := b.get("/console/events" + tc.query)
			tc.check(t, p, eventRows(p))
		})
	}

	p := b.get("/console/events/evt_nonexistent")
	assert.Equal(t, http.StatusNotFound, p.Status)
	assert.Contains(t, p.Text(), "NOT_FOUND")
}
