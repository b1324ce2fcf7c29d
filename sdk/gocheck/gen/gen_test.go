package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGeneratedIsCurrent fails when shared/schema changed and types_gen.go was not regenerated
// (go run ./sdk/gocheck/gen from the module root).
func TestGeneratedIsCurrent(t *testing.T) {
	want, err := Generate()
	require.NoError(t, err)
	got, err := os.ReadFile(filepath.Join("..", "..", "go", "hapihub", "types_gen.go"))
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got), "types_gen.go is stale: run go run ./sdk/gocheck/gen")
}

func TestGoName(t *testing.T) {
	for in, want := range map[string]string{"id": "ID", "externalId": "ExternalID", "organizationId": "OrganizationID",
		"firstName": "FirstName", "line1": "Line1", "url": "URL", "pms": "PMS", "lineItems": "LineItems"} {
		assert.Equal(t, want, GoName(in), in)
	}
}
