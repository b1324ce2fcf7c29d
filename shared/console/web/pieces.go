package web

import (
	"bytes"
	"fmt"
	"html/template"
	"sync"
)

// Pieces are templates several pages include (the pager, the event picker). Page templates are
// parsed one page at a time with the layout, so a piece is parsed once on its own and a method
// of its data renders it into the page.

// Piece is a template file parsed once, at its first render: not at package init, where every
// cold start would pay for it, whatever page it serves. A parse error is the render's error
// (the page's 500), every time.
type Piece struct {
	parse func() (*template.Template, error)
}

// NewPiece names templates/file; nothing is read until the first render.
func NewPiece(file string) *Piece {
	return &Piece{parse: sync.OnceValues(func() (*template.Template, error) {
		t, err := template.ParseFS(templateFS, "templates/"+file)
		if err != nil {
			return nil, fmt.Errorf("console: parse %s: %w", file, err)
		}
		return t, nil
	})}
}

// Parse returns the parsed piece (parsing it the first time).
func (p *Piece) Parse() (*template.Template, error) { return p.parse() }

// RenderPiece executes the piece's template name over data.
func RenderPiece(p *Piece, name string, data any) (template.HTML, error) {
	t, err := p.parse()
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, name, data); err != nil {
		return "", fmt.Errorf("console: render %s: %w", name, err)
	}
	return template.HTML(b.String()), nil // html/template escaped it
}
