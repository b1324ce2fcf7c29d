package query

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// IDRange's inclusive bounds hold exactly the ids the exclusive and inclusive conditions
// hold (over ASCII ids, as NewID makes), checked against string comparison itself.
func TestIDRangeIsExact(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := "0123456789ABCDEFGHJKMNPQRSTVWXYZ_pat"
	str := func() string {
		b := make([]byte, 1+r.IntN(4))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		return string(b)
	}
	for range 3000 {
		x, y, s := str(), str(), str()
		for _, ops := range [][2]Op{{OpGt, OpLt}, {OpGte, OpLte}, {OpGt, OpLte}, {OpGte, OpLt}} {
			conds := []Node{{Kind: KindCond, Field: "id", Op: ops[0], Value: x}, {Kind: KindCond, Field: "id", Op: ops[1], Value: y}}
			lo, hi := IDRange(conds)
			want := conds[0].Matches(map[string]any{"id": s}) && conds[1].Matches(map[string]any{"id": s})
			assert.Equal(t, want, lo <= s && s <= hi, "%q in %v %q, %v %q (lo %q hi %q)", s, ops[0], x, ops[1], y, lo, hi)
		}
	}
}

// createdAt ranges become id bounds on whole milliseconds; a cursor's bound becomes its anchor's
// id; other conditions pass through.
func TestIDBounds(t *testing.T) {
	prefix := func(ms int64) string { return fmt.Sprintf("p_%04d", ms) }
	conds := []Node{
		{Kind: KindCond, Field: "createdAt", Op: OpGt, Value: int64(5)},
		{Kind: KindCond, Field: "createdAt", Op: OpLte, Value: int64(9)},
		{Kind: KindCond, Field: "createdAt", Op: OpGte, Value: int64(3)},
		{Kind: KindCond, Field: "createdAt", Op: OpLt, Value: int64(12)},
		{Kind: KindCond, Field: "createdAt", Op: OpLte, Value: int64(7), After: "p_0007XYZ", AfterFields: []string{"createdAt"}},
		{Kind: KindCond, Field: "createdAt", Op: OpLte, Value: nil},
		{Kind: KindCond, Field: "status", Op: OpEq, Value: "active"},
	}
	out, n, ok := IDBounds(conds, prefix)
	require.True(t, ok)
	assert.Equal(t, 5, n)
	want := []struct {
		op Op
		v  any
	}{{OpGte, "p_0006"}, {OpLt, "p_0010"}, {OpGte, "p_0003"}, {OpLt, "p_0012"}, {OpLt, "p_0007XYZ"}, {OpLte, nil}, {OpEq, "active"}}
	for i, w := range want {
		assert.Equal(t, w.op, out[i].Op, i)
		assert.Equal(t, w.v, out[i].Value, i)
	}
	_, _, ok = IDBounds([]Node{{Kind: KindCond, Field: "createdAt", Op: OpGt, Value: "x"}}, prefix)
	assert.False(t, ok, "a bound that is no integer is not rewritten")
	assert.True(t, TimeOrdered([]SortKey{{Field: "createdAt", Desc: true}}, true))
	assert.False(t, TimeOrdered([]SortKey{{Field: "createdAt", Desc: true}}, false), "ties the other way")
	assert.False(t, TimeOrdered([]SortKey{{Field: "createdAt"}, {Field: "lastName"}}, false), "more keys")
}
