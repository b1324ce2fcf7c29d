package sqs

import (
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

var (
	bucketQueues = []byte("queues")
	bucketMsgs   = []byte("messages") // one nested bucket per queue name
)

// queue is one queue's state. Its exported fields are what is persisted.
type queue struct {
	Name     string            `json:"name"`
	Attrs    map[string]string `json:"attrs"` // settable attributes, defaults filled in
	Tags     map[string]string `json:"tags,omitempty"`
	Created  int64             `json:"created"`  // unix seconds
	Modified int64             `json:"modified"` // unix seconds
	Seq      uint64            `json:"seq"`      // last message sequence number

	msgs     []*message // ordered by Seq
	byID     map[string]*message
	purgedAt time.Time
}

type msgAttr struct {
	DataType    string `json:"DataType"`
	StringValue string `json:"StringValue,omitempty"`
	BinaryValue []byte `json:"BinaryValue,omitempty"`
}

type message struct {
	ID        string             `json:"id"`
	Seq       uint64             `json:"seq"`
	Body      string             `json:"body"`
	MD5Body   string             `json:"md5Body"`
	MD5Attrs  string             `json:"md5Attrs,omitempty"`
	Attrs     map[string]msgAttr `json:"attrs,omitempty"`
	SentAt    int64              `json:"sentAt"`    // unix millis
	VisibleAt int64              `json:"visibleAt"` // unix nanos: delayed or in flight until then
	Receives  int                `json:"receives"`
	FirstRecv int64              `json:"firstRecv,omitempty"` // unix millis
	Handle    string             `json:"handle,omitempty"`    // nonce of the latest receipt handle
	SenderID  string             `json:"senderId"`
}

func seqKey(n uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], n)
	return b[:]
}

func (s *Server) load() error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		qb, err := tx.CreateBucketIfNotExists(bucketQueues)
		if err != nil {
			return err
		}
		mb, err := tx.CreateBucketIfNotExists(bucketMsgs)
		if err != nil {
			return err
		}
		return qb.ForEach(func(k, v []byte) error {
			q := &queue{byID: map[string]*message{}}
			if err := json.Unmarshal(v, q); err != nil {
				return fmt.Errorf("queue %s: %w", k, err)
			}
			if b := mb.Bucket(k); b != nil {
				if err := b.ForEach(func(_, v []byte) error {
					m := &message{}
					if err := json.Unmarshal(v, m); err != nil {
						return err
					}
					q.msgs = append(q.msgs, m)
					q.byID[m.ID] = m
					return nil
				}); err != nil {
					return fmt.Errorf("messages of %s: %w", k, err)
				}
			}
			s.queues[q.Name] = q
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("sqs: load store: %w", err)
	}
	return nil
}

// persist runs fn in one write transaction; callers hold s.mu.
func (s *Server) persist(fn func(qb, mb *bolt.Bucket) error) *apiError {
	if s.closed {
		return errInternal(errors.New("server closed"))
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		return fn(tx.Bucket(bucketQueues), tx.Bucket(bucketMsgs))
	})
	if err != nil {
		return errInternal(fmt.Errorf("persist: %w", err))
	}
	return nil
}

func putQueue(qb *bolt.Bucket, q *queue) error {
	b, err := json.Marshal(q)
	if err != nil {
		return err
	}
	return qb.Put([]byte(q.Name), b)
}

func putMessages(mb *bolt.Bucket, qname string, ms ...*message) error {
	b, err := mb.CreateBucketIfNotExists([]byte(qname))
	if err != nil {
		return err
	}
	for _, m := range ms {
		v, err := json.Marshal(m)
		if err != nil {
			return err
		}
		if err := b.Put(seqKey(m.Seq), v); err != nil {
			return err
		}
	}
	return nil
}

func deleteMessages(mb *bolt.Bucket, qname string, ms ...*message) error {
	b := mb.Bucket([]byte(qname))
	if b == nil {
		return nil
	}
	for _, m := range ms {
		if err := b.Delete(seqKey(m.Seq)); err != nil {
			return err
		}
	}
	return nil
}

// add appends m with the queue's next sequence number.
func (q *queue) add(m *message) {
	q.Seq++
	m.Seq = q.Seq
	q.msgs = append(q.msgs, m)
	q.byID[m.ID] = m
}

// remove drops m from memory.
func (q *queue) remove(m *message) {
	i := sort.Search(len(q.msgs), func(i int) bool { return q.msgs[i].Seq >= m.Seq })
	if i < len(q.msgs) && q.msgs[i] == m {
		q.msgs = append(q.msgs[:i], q.msgs[i+1:]...)
	}
	delete(q.byID, m.ID)
}

func md5Hex(b []byte) string {
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:])
}

// md5OfAttributes is SQS's MD5OfMessageAttributes: for each attribute in name
// order, length-prefixed (4-byte big-endian) name and data type, a transport
// byte (1 string, 2 binary), then the length-prefixed value.
func md5OfAttributes(attrs map[string]msgAttr) string {
	if len(attrs) == 0 {
		return ""
	}
	names := make([]string, 0, len(attrs))
	for n := range attrs {
		names = append(names, n)
	}
	sort.Strings(names)
	h := md5.New()
	lp := func(b []byte) {
		var l [4]byte
		binary.BigEndian.PutUint32(l[:], uint32(len(b)))
		h.Write(l[:])
		h.Write(b)
	}
	for _, n := range names {
		a := attrs[n]
		lp([]byte(n))
		lp([]byte(a.DataType))
		if a.BinaryValue != nil {
			h.Write([]byte{2})
			lp(a.BinaryValue)
		} else {
			h.Write([]byte{1})
			lp([]byte(a.StringValue))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}
