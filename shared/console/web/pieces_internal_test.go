package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// noIdentity and noAccounts satisfy New for a public route that touches neither.
type noIdentity struct{ Identity }

type noAccounts struct{}

func (noAccounts) CreateAccount(context.Context, string) (string, error) { return "", nil }

// A piece is parsed at its first render, not when declared: declaring a broken one does not
// panic at init, and its parse error is every render's error, which the page answers as the
// console's 500 page without the internals.
func TestPieceParsesAtFirstRenderAndFailsThePage(t *testing.T) {
	broken := NewPiece("no-such-piece.html") // at init this used to panic
	_, err := RenderPiece(broken, "x", nil)
	require.ErrorContains(t, err, "no-such-piece.html")
	_, again := RenderPiece(broken, "x", nil)
	assert.Same(t, err, again, "parsed once: the first error is kept")

	h, err := New(Options{Identity: noIdentity{}, Accounts: noAccounts{}}, Route{Pattern: "GET /broken", Public: true,
		Fn: func(c *Call) error {
			html, err := RenderPiece(broken, "x", nil)
			if err != nil {
				return err
			}
			return c.Render(http.StatusOK, "error.html", View{Title: string(html)})
		}})
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, Mount+"/broken", nil))
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
	assert.Contains(t, rec.Body.String(), "<h1>Error</h1>", "the console's error page")
	assert.NotContains(t, rec.Body.String(), "no-such-piece", "no internals")
}

func TestPieceRendersItsTemplate(t *testing.T) {
	p := NewPiece("pager.html")
	tmpl, err := p.Parse()
	require.NoError(t, err)
	require.NotNil(t, tmpl.Lookup("pager"), "pager.html defines the pager")
	same, err := p.Parse()
	require.NoError(t, err)
	assert.Same(t, tmpl, same, "parsed once")
}
