package dynamo

import (
	"encoding/binary"

	bolt "go.etcd.io/bbolt"

	"github.com/hapihub/hapihub/infra/dynamo/attr"
)

// Index entries of an ALL projection are references. DynamoDB keeps (and bills) a full copy of
// the item in every index projecting ALL; the engine need not: the index write and the item
// write share one bbolt transaction, so an ALL entry is always exactly the table's item, and
// the entry can name it rather than repeat it. A patient held by four such indexes took four
// more copies of ~1 KB (and their B+tree pages) in the file; a reference is ~70 bytes.
// Capacity and sizes are unchanged: the reference carries the item's size, which is what
// queries and capacity arithmetic read, and an entry is rewritten (and charged) exactly when
// the copy would have been, since writeItem still compares the item's encoded bytes.
//
//	0x02 | uvarint item size | table key
//
// Entries written by earlier versions (full copies, storedV1 or JSON) are still read as items.
const storedRef = 0x02

func encodeRef(size int, tableKey []byte) []byte {
	buf := make([]byte, 0, 1+binary.MaxVarintLen64+len(tableKey))
	buf = append(buf, storedRef)
	buf = binary.AppendUvarint(buf, uint64(size))
	return append(buf, tableKey...)
}

// refKey returns the table key a reference names, or nil when data is not a reference.
func refKey(data []byte) ([]byte, error) {
	if len(data) == 0 || data[0] != storedRef {
		return nil, nil
	}
	_, w := binary.Uvarint(data[1:])
	if w <= 0 {
		return nil, errCorrupt
	}
	return data[1+w:], nil
}

// storedEntry is what an index bucket stores for an entry: a reference for an ALL projection,
// else the projected item's encoded form.
func storedEntry(ix *indexMeta, entry []byte, entrySize int, tableKey []byte) []byte {
	if ix.Projection == "ALL" {
		return encodeRef(entrySize, tableKey)
	}
	return entry
}

// decodeEntry decodes a value read in tx under key k, of the table's items bucket or (inIndex)
// of one of its index buckets, following a reference to the table's item.
func decodeEntry(tx *bolt.Tx, t *tableMeta, inIndex bool, k, data []byte) (attr.Item, error) {
	if !inIndex {
		return decodeStored(t, k, data)
	}
	key, err := refKey(data)
	if err != nil {
		return nil, err
	}
	if key == nil {
		return decodeItem(data)
	}
	b := tx.Bucket(itemsBucket(t.Name))
	if b == nil {
		return nil, notFound("Requested resource not found")
	}
	v := b.Get(key)
	if v == nil {
		return nil, errCorrupt // an entry outliving its item: the write path never leaves one
	}
	return decodeStored(t, key, v)
}
