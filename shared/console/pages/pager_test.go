package pages

import (
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPager(t *testing.T) {
	total := func(n int) *int { return &n }
	call := func(target string) *Call {
		return &Call{R: httptest.NewRequest("GET", target, nil), Mount: "/console"}
	}
	tests := []struct {
		name       string
		p          pager
		from, to   int
		prev, next string
	}{
		{"first of three pages", newPager(call("/console/logs?limit=2"), "/logs", 2, 0, 2, total(5)),
			1, 2, "", "/console/logs?limit=2&skip=2"},
		{"middle page keeps the filters", newPager(call("/console/logs?method=POST&limit=2&skip=2"), "/logs", 2, 2, 2, total(5)),
			3, 4, "/console/logs?limit=2&method=POST", "/console/logs?limit=2&method=POST&skip=4"},
		{"last page", newPager(call("/console/logs?skip=4&limit=2"), "/logs", 2, 4, 1, total(5)),
			5, 5, "/console/logs?limit=2&skip=2", ""},
		{"a full page without a total may have a next", newPager(call("/console/logs"), "/logs", 2, 0, 2, nil),
			1, 2, "", "/console/logs?skip=2"},
		{"a short page without a total is the last", newPager(call("/console/logs?skip=3"), "/logs", 2, 3, 1, nil),
			4, 4, "/console/logs?skip=1", ""},
		{"an empty page past the end", newPager(call("/console/logs?skip=40"), "/logs", 20, 40, 0, nil),
			41, 40, "/console/logs?skip=20", ""},
		{"peeked: one more row than a page read", newPeekPager(call("/console/events?type=patient.%2A"), "/events", 25, 0, 26),
			1, 25, "", "/console/events?skip=25&type=patient.%2A"},
		{"peeked: exactly a page read is the last", newPeekPager(call("/console/events?skip=25"), "/events", 25, 25, 25),
			26, 50, "/console/events", ""},
		{"peeked: the second page goes back to the first", newPeekPager(call("/console/webhooks/we_1?status=failed&skip=30"), "/webhooks/we_1", 25, 30, 3),
			31, 33, "/console/webhooks/we_1?skip=5&status=failed", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.from, tt.p.From(), "from")
			assert.Equal(t, tt.to, tt.p.To(), "to")
			assert.Equal(t, tt.prev, tt.p.Prev(), "prev")
			assert.Equal(t, tt.next, tt.p.Next(), "next")
		})
	}
}

func TestPagerHTML(t *testing.T) {
	n := 5
	p := newPager(&Call{R: httptest.NewRequest("GET", "/console/logs?limit=2&skip=2&q=a%26b", nil), Mount: "/console"}, "/logs", 2, 2, 2, &n)
	html, err := p.HTML()
	require.NoError(t, err)
	assert.Contains(t, string(html), "3–4 of 5")
	assert.Contains(t, string(html), `<a href="/console/logs?limit=2&amp;q=a%26b" rel="prev">`)
	assert.Contains(t, string(html), `<a href="/console/logs?limit=2&amp;q=a%26b&amp;skip=4" rel="next">`)

	p = newPeekPager(&Call{R: httptest.NewRequest("GET", "/console/events", nil), Mount: "/console"}, "/events", 25, 0, 3)
	html, err = p.HTML()
	require.NoError(t, err)
	assert.Contains(t, string(html), "1–3</span>", "no total without one")
	assert.NotContains(t, string(html), "rel=")
}
