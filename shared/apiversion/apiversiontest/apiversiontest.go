// Package apiversiontest registers a made-up future API version, so tests prove that the
// version machinery keeps old clients' shapes before a real breaking change needs it.
package apiversiontest

import (
	"strings"
	"testing"

	"github.com/hapihub/hapihub/shared/apiversion"
)

// Future is the made-up version: in it a patient's email is `email` (today's shape); before it,
// `emailAddress`. Handlers keep building today's shape, so an account pinned to today's version
// (now "old") must read emailAddress everywhere while a request naming Future reads email.
const Future apiversion.Version = "2099-01-01"

// UseFuture makes Future the latest version until the test ends. Tests using it must not run in
// parallel with others reading versions (the registry is process-wide).
func UseFuture(t testing.TB) {
	t.Helper()
	restore := apiversion.Use(apiversion.NewRegistry(apiversion.Releases.First(), append(apiversion.Releases.Changes(), apiversion.Change{
		Version:  Future,
		Summary:  "A patient's emailAddress is renamed email.",
		Response: func(resource string, body any) any { return eachPatient(resource, body, "email", "emailAddress") },
		Request: func(resource string, body map[string]any) map[string]any {
			if resource == "patients" {
				rename(body, "emailAddress", "email")
			}
			return body
		},
		Event: func(ev map[string]any) map[string]any {
			typ, _ := ev["type"].(string)
			if data, ok := ev["data"].(map[string]any); ok && strings.HasPrefix(typ, "patient.") {
				for _, k := range []string{"object", "previousAttributes"} {
					if m, ok := data[k].(map[string]any); ok {
						rename(m, "email", "emailAddress")
					}
				}
			}
			return ev
		},
	})...))
	t.Cleanup(restore)
}

// eachPatient renames a field in a patient or in each patient of a list page.
func eachPatient(resource string, body any, from, to string) any {
	if resource != "patients" {
		return body
	}
	m, ok := body.(map[string]any)
	if !ok {
		return body
	}
	if list, ok := m["data"].([]any); ok {
		for _, it := range list {
			if p, ok := it.(map[string]any); ok {
				rename(p, from, to)
			}
		}
		return m
	}
	rename(m, from, to)
	return m
}

func rename(m map[string]any, from, to string) {
	if v, ok := m[from]; ok {
		delete(m, from)
		m[to] = v
	}
}
