package phraseindex

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/store/core"
)

// QueueCount queues a change of the vocabulary count at (pk, sk), as a committed write does.
func QueueCount(s *Index, pk, sk string, d int64) {
	s.queueCounts([]countDelta{{key: map[string]types.AttributeValue{"PK": core.SV(pk), "SK": core.SV(sk)}, delta: d}})
}

// SetCountLinger makes queued counts wait d before they are applied (unless settled).
func SetCountLinger(t testing.TB, d time.Duration) {
	old := countLinger
	countLinger = d
	t.Cleanup(func() { countLinger = old })
}
