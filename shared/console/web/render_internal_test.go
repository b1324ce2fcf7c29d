package web

import (
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestRelative(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		at   time.Duration // from now
		want string
	}{
		{-10 * time.Second, "just now"},
		{10 * time.Second, "in under a minute"},
		{-90 * time.Second, "2 minutes ago"},
		{-89 * time.Second, "1 minute ago"},
		{-5 * time.Hour, "5 hours ago"},
		{7*24*time.Hour - time.Millisecond, "7 days from now"},
		{7*24*time.Hour - 13*time.Hour, "6 days from now"},
		{-3 * 24 * time.Hour, "3 days ago"},
	} {
		assert.Equal(t, tc.want, relative(now, now.Add(tc.at)), "%s", tc.at)
	}
}

// Templates are parsed at first render (templates.get), so every page is parsed here: a broken
// template fails this test rather than the first request for its page.
func TestEveryTemplateParses(t *testing.T) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil || len(names) < 2 {
		t.Fatalf("templates: %v %v", names, err)
	}
	ts := newTemplates()
	for _, n := range names {
		base := strings.TrimPrefix(n, "templates/")
		if base == "layout.html" {
			continue
		}
		if _, err := ts.get(base); err != nil {
			t.Errorf("%s: %v", base, err)
		}
	}
	if _, err := ts.get("missing.html"); err == nil {
		t.Error("a missing template was found")
	}
	if _, err := ts.get("layout.html"); err == nil {
		t.Error("the layout alone is not a page")
	}
}
