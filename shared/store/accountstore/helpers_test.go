package accountstore_test

import (
	"testing"
	"time"

	"github.com/hapihub/hapihub/shared/store"
	"github.com/hapihub/hapihub/shared/store/storetest"
)

// newTable starts the embedded engine with the table of template.yaml.
func newTable(t testing.TB) *store.Store {
	t.Helper()
	st := storetest.New(t)
	st.LockTimeout = 2 * time.Second
	return st
}
