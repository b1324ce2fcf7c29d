package core

import (
	"testing"

	"github.com/hapihub/hapihub/shared/schema"
)

// The index hook is told what a write does by kind, and the event it emits is derived from the
// same value, so the two cannot disagree.
func TestObjectChangeEventType(t *testing.T) {
	res := schema.All()[0]
	for _, tc := range []struct {
		kind ChangeKind
		want string
	}{
		{ObjectCreated, res.Object + ".created"},
		{ObjectUpdated, res.Object + ".updated"},
		{ObjectDeleted, res.Object + ".deleted"},
	} {
		if got := (ObjectChange{Res: res, Kind: tc.kind}).EventType(); got != tc.want {
			t.Errorf("%v: EventType() = %q, want %q", tc.kind, got, tc.want)
		}
	}
	if got := ChangeKind(0).String(); got != "unknown" {
		t.Errorf("zero kind = %q, want unknown", got)
	}
}
