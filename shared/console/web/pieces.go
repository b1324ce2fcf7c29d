package web

import (
	"bytes"
	"fmt"
	"html/template"
)

// Pieces are templates several pages include (the pager, the event picker). Page templates are
// parsed one page at a time with the layout, so a piece is parsed once on its own and a method
// of its data renders it into the page.

// parsePiece parses templates/file.
func ParsePiece(file string) *template.Template {
	return template.Must(template.ParseFS(templateFS, "templates/"+file))
}

// renderPiece executes the piece's template name over data.
func RenderPiece(t *template.Template, name string, data any) (template.HTML, error) {
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, name, data); err != nil {
		return "", fmt.Errorf("console: render %s: %w", name, err)
	}
	return template.HTML(b.String()), nil // html/template escaped it
}
