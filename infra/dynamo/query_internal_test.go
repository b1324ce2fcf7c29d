package dynamo

import (
	"bytes"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"

	"github.com/hapihub/hapihub/infra/dynamo/attr"
	"github.com/hapihub/hapihub/infra/dynamo/expr"
)

// TestScanEntriesMatchesBruteForce checks the range read of every sort-key
// operator, in both directions and from every start key, against filtering
// the whole bucket.
func TestScanEntriesMatchesBruteForce(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "t.db"), 0o600, &bolt.Options{NoSync: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	nums := []string{"-100", "-2.5", "-1", "0", "0.5", "1", "2", "10", "11", "100"}
	strs := []string{"", "a", "ab", "ab\x00", "abc", "abd", "ac", "b", "ba"}
	type row struct {
		pk  string
		key []byte
	}
	var numRows, strRows []row
	require.NoError(t, db.Update(func(tx *bolt.Tx) error {
		nb, _ := tx.CreateBucket([]byte("n"))
		sb, _ := tx.CreateBucket([]byte("s"))
		for _, pk := range []string{"p", "q", "pp"} {
			for _, v := range nums {
				k := attr.AppendKey(attr.EncodeKey(attr.Str(pk)), attr.Num(v))
				numRows = append(numRows, row{pk, k})
				if err := nb.Put(k, []byte("{}")); err != nil {
					return err
				}
			}
			for _, v := range strs[1:] {
				k := attr.AppendKey(attr.EncodeKey(attr.Str(pk)), attr.Str(v))
				strRows = append(strRows, row{pk, k})
				if err := sb.Put(k, []byte("{}")); err != nil {
					return err
				}
			}
		}
		return nil
	}))
	slices.SortFunc(numRows, func(a, b row) int { return bytes.Compare(a.key, b.key) })
	slices.SortFunc(strRows, func(a, b row) int { return bytes.Compare(a.key, b.key) })

	type cond struct {
		op   string
		vals []attr.Value
	}
	var numConds, strConds []*cond
	numConds = append(numConds, nil)
	strConds = append(strConds, nil)
	for _, op := range []string{"=", "<", "<=", ">", ">="} {
		for _, v := range []string{"-3", "-1", "0", "1", "5", "100", "1000"} {
			numConds = append(numConds, &cond{op, []attr.Value{attr.Num(v)}})
		}
		for _, v := range []string{"a", "ab", "abc", "b", "z"} {
			strConds = append(strConds, &cond{op, []attr.Value{attr.Str(v)}})
		}
	}
	numConds = append(numConds, &cond{"BETWEEN", []attr.Value{attr.Num("-1"), attr.Num("10")}}, &cond{"BETWEEN", []attr.Value{attr.Num("3"), attr.Num("4")}})
	for _, v := range []string{"a", "ab", "ab\x00", "abc", "b", "c"} {
		strConds = append(strConds, &cond{"begins_with", []attr.Value{attr.Str(v)}})
	}
	strConds = append(strConds, &cond{"BETWEEN", []attr.Value{attr.Str("ab"), attr.Str("b")}})

	check := func(t *testing.T, bucket string, kind attr.Kind, rows []row, conds []*cond) {
		for _, c := range conds {
			for _, forward := range []bool{true, false} {
				var starts [][]byte
				starts = append(starts, nil)
				for _, r := range rows {
					if r.pk == "p" {
						starts = append(starts, r.key)
					}
				}
				for _, start := range starts {
					kc := &expr.KeyCond{PartitionName: "pk", PartitionValue: attr.Str("p")}
					if c != nil {
						kc.Sort = &expr.SortCond{Name: "sk", Op: c.op, Values: c.vals}
					}
					p := &readPlan{key: kc, forward: forward, start: start, rng: keyDef{Name: "sk", Type: kind.String()}}
					var got [][]byte
					require.NoError(t, db.View(func(tx *bolt.Tx) error {
						p.scanEntries(tx.Bucket([]byte(bucket)), func(k, _ []byte) bool {
							got = append(got, append([]byte(nil), k...))
							return true
						})
						return nil
					}))
					var want [][]byte
					prefix := attr.EncodeKey(attr.Str("p"))
					for _, r := range rows {
						if r.pk != "p" {
							continue
						}
						if start != nil && ((forward && bytes.Compare(r.key, start) <= 0) || (!forward && bytes.Compare(r.key, start) >= 0)) {
							continue
						}
						v, _, err := attr.DecodeKey(r.key[len(prefix):], kind)
						require.NoError(t, err)
						if kc.Sort == nil || kc.Sort.Match(v) {
							want = append(want, r.key)
						}
					}
					if !forward {
						slices.Reverse(want)
					}
					require.Equal(t, want, got, "cond %v forward %v start %x", c, forward, start)
				}
			}
		}
	}
	t.Run("numbers", func(t *testing.T) { check(t, "n", attr.N, numRows, numConds) })
	t.Run("strings", func(t *testing.T) { check(t, "s", attr.S, strRows, strConds) })
}
