package pages

import (
	"testing"

	"github.com/hapihub/hapihub/shared/console/web"
)

// The pieces are parsed at their first render (web.Piece), so every one is parsed here: a broken
// piece fails this test rather than the first page that includes it.
func TestEveryPieceParses(t *testing.T) {
	for name, p := range map[string]*web.Piece{"pager": pagerTemplate, "eventPicker": pickerTemplate} {
		tmpl, err := p.Parse()
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if tmpl.Lookup(name) == nil {
			t.Errorf("the piece does not define %q", name)
		}
	}
}
