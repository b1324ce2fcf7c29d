package dynamo

import (
	"fmt"
	"math/big"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hapihub/hapihub/infra/dynamo/attr"
)

// ttlMaxAge mirrors DynamoDB, which ignores TTL values more than five years in
// the past (they are taken to be mistakes, e.g. milliseconds, not deadlines).
const ttlMaxAge = 5 * 365 * 24 * time.Hour

// expired reports whether an item's TTL attribute (a Number of epoch seconds)
// lies at or before now.
func expired(item attr.Item, name string, now time.Time) bool {
	v, ok := item[name]
	if !ok || v.Kind != attr.N {
		return false
	}
	r, ok := new(big.Rat).SetString(v.Str)
	if !ok {
		return false
	}
	f, _ := r.Float64()
	at := time.Unix(0, 0).Add(time.Duration(f * float64(time.Second)))
	return !at.After(now) && now.Sub(at) <= ttlMaxAge
}

// SweepTTL deletes every item whose TTL has passed at now from the tables with
// TTL enabled (indexes included) and returns how many it deleted. The
// background sweeper calls it; tests call it with their own clock.
func (e *Engine) SweepTTL(now time.Time) (int, error) {
	e.mu.RLock()
	var tables []*tableMeta
	for _, t := range e.tables {
		if t.TTLEnabled {
			tables = append(tables, t)
		}
	}
	e.mu.RUnlock()
	deleted := 0
	for _, t := range tables {
		n, err := e.sweepTable(t, now)
		deleted += n
		if err != nil {
			return deleted, fmt.Errorf("dynamo: ttl sweep of %s: %w", t.Name, err)
		}
	}
	return deleted, nil
}

// sweepTable deletes in batches so a big table never holds the writer for long.
func (e *Engine) sweepTable(t *tableMeta, now time.Time) (int, error) {
	const batch = 500
	deleted := 0
	var from []byte
	for {
		type victim struct {
			key  []byte
			item attr.Item
		}
		var victims []victim
		var next []byte
		err := e.db.View(func(tx *bolt.Tx) error {
			b := tx.Bucket(itemsBucket(t.Name))
			if b == nil {
				return nil
			}
			c := b.Cursor()
			k, v := c.First()
			if from != nil {
				k, v = c.Seek(from)
			}
			for ; k != nil; k, v = c.Next() {
				if len(victims) >= batch {
					next = append([]byte(nil), k...)
					return nil
				}
				item, err := decodeStored(t, k, v)
				if err != nil {
					return err
				}
				if expired(item, t.TTLAttr, now) {
					victims = append(victims, victim{key: append([]byte(nil), k...), item: item})
				}
			}
			return nil
		})
		if err != nil {
			return deleted, err
		}
		if len(victims) > 0 {
			// The table's indexes may have changed since the scan: delete with
			// its current description, under the schema lock.
			e.schema.RLock()
			e.mu.RLock()
			cur := e.tables[t.Name]
			e.mu.RUnlock()
			if cur == nil {
				e.schema.RUnlock()
				return deleted, nil
			}
			t = cur
			err = e.db.Update(func(tx *bolt.Tx) error {
				for _, vi := range victims {
					// Re-read: the item may have changed since the scan.
					cur, err := getItem(tx, t, vi.key)
					if err != nil || cur == nil || !expired(cur, t.TTLAttr, now) {
						continue
					}
					if _, err := writeItem(tx, t, vi.key, cur, nil); err != nil {
						return err
					}
					deleted++
				}
				return nil
			})
			e.schema.RUnlock()
			if err != nil {
				return deleted, err
			}
		}
		if next == nil {
			return deleted, nil
		}
		from = next
	}
}
