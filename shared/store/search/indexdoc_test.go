package search_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store/search"
)

// docs/query.md's table of indexed fields is the code's (IndexRow renders each line).
func TestQueryDocListsIndexes(t *testing.T) {
	b, err := os.ReadFile("../../../docs/query.md")
	require.NoError(t, err)
	for _, res := range schema.All() {
		if len(search.IndexSlots(res)) == 0 && len(res.IndexedFields()) == 0 {
			continue
		}
		assert.Contains(t, string(b), search.IndexRow(res)+"\n", "docs/query.md must list %s's indexes as the code has them", res.Name)
	}
	for _, res := range schema.All() {
		for _, s := range search.IndexSlots(res) {
			if s.Fields == nil {
				assert.True(t, strings.Contains(strings.Join(res.SortableFirst(), ","), s.Field))
			}
		}
	}
}
