package sqs

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"
)

var (
	batchIDRE  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)
	attrNameRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,256}$`)
)

// senderID is what SQS reports as SenderId for the emulator's single identity.
const senderID = "AIDAEMULATEDSENDER000"

type attrValueIn struct {
	DataType         string
	StringValue      *string
	BinaryValue      []byte
	StringListValues []string
	BinaryListValues [][]byte
}

type sendEntry struct {
	Id                      string
	MessageBody             *string
	DelaySeconds            *int
	MessageAttributes       map[string]attrValueIn
	MessageSystemAttributes map[string]attrValueIn
	MessageGroupId          *string
	MessageDeduplicationId  *string
}

// validBody reports whether every character is one SQS accepts.
func validBody(s string) bool {
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			return false
		case r == 0x9 || r == 0xA || r == 0xD:
		case r >= 0x20 && r <= 0xD7FF:
		case r >= 0xE000 && r <= 0xFFFD:
		case r >= 0x10000 && r <= 0x10FFFF:
		default:
			return false
		}
	}
	return true
}

func validateMessageAttrs(in map[string]attrValueIn) (map[string]msgAttr, int, *apiError) {
	if len(in) > 10 {
		return nil, 0, errInvalidParameterValue("Number of message attributes [%d] exceeds the allowed maximum [10].", len(in))
	}
	out := make(map[string]msgAttr, len(in))
	size := 0
	for name, v := range in {
		lower := strings.ToLower(name)
		if !attrNameRE.MatchString(name) || strings.HasPrefix(lower, "aws.") || strings.HasPrefix(lower, "amazon.") ||
			strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".") || strings.Contains(name, "..") {
			return nil, 0, errInvalidParameterValue("Message (user) attribute name '%s' is invalid.", name)
		}
		base, _, _ := strings.Cut(v.DataType, ".")
		if v.DataType == "" {
			return nil, 0, errInvalidParameterValue("The message attribute '%s' must contain non-empty message attribute type.", name)
		}
		if v.StringListValues != nil || v.BinaryListValues != nil {
			return nil, 0, genericErr("UnsupportedOperation", "Message attribute list values in SendMessage operation are not supported.")
		}
		a := msgAttr{DataType: v.DataType}
		switch base {
		case "String", "Number":
			if v.StringValue == nil || *v.StringValue == "" {
				return nil, 0, errInvalidParameterValue("The message attribute '%s' must contain non-empty message attribute value for message attribute type '%s'.", name, base)
			}
			if base == "Number" {
				if _, err := strconv.ParseFloat(*v.StringValue, 64); err != nil {
					return nil, 0, errInvalidParameterValue("Can't cast the value of message (user) attribute '%s' to a number.", name)
				}
			}
			a.StringValue = *v.StringValue
			size += len(*v.StringValue)
		case "Binary":
			if len(v.BinaryValue) == 0 {
				return nil, 0, errInvalidParameterValue("The message attribute '%s' must contain non-empty message attribute value for message attribute type '%s'.", name, base)
			}
			a.BinaryValue = v.BinaryValue
			size += len(v.BinaryValue)
		default:
			return nil, 0, errInvalidParameterValue("The type of message (user) attribute '%s' is invalid. You must use only the following supported type prefixes: Binary, Number, String.", name)
		}
		size += len(name) + len(v.DataType)
		out[name] = a
	}
	return out, size, nil
}

type sendResult struct {
	MessageId              string
	MD5OfMessageBody       string
	MD5OfMessageAttributes string `json:",omitempty"`
}

// newMessage validates one send entry against q and builds the message.
func (s *Server) newMessage(q *queue, e sendEntry, now time.Time) (*message, *apiError) {
	if e.MessageBody == nil || *e.MessageBody == "" {
		return nil, errMissingParameter("MessageBody")
	}
	if e.MessageGroupId != nil || e.MessageDeduplicationId != nil {
		return nil, errInvalidParameterValue("The request include parameter that is not valid for this queue type")
	}
	body := *e.MessageBody
	if !validBody(body) {
		return nil, sqsErr("InvalidMessageContents", "InvalidMessageContents", "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF")
	}
	attrs, attrSize, aerr := validateMessageAttrs(e.MessageAttributes)
	if aerr != nil {
		return nil, aerr
	}
	maxSize, _ := strconv.Atoi(q.Attrs["MaximumMessageSize"])
	if len(body)+attrSize > maxSize {
		return nil, errInvalidParameterValue("One or more parameters are invalid. Reason: Message must be shorter than %d bytes.", maxSize)
	}
	delay, _ := strconv.Atoi(q.Attrs["DelaySeconds"])
	if e.DelaySeconds != nil {
		delay = *e.DelaySeconds
		if delay < 0 || delay > 900 {
			return nil, errInvalidParameterValue("Value %d for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.", delay)
		}
	}
	m := &message{
		ID:        uuid.NewString(),
		Body:      body,
		MD5Body:   md5Hex([]byte(body)),
		Attrs:     attrs,
		MD5Attrs:  md5OfAttributes(attrs),
		SentAt:    now.UnixMilli(),
		VisibleAt: now.Add(time.Duration(delay) * time.Second).UnixNano(),
		SenderID:  senderID,
	}
	if len(attrs) == 0 {
		m.Attrs = nil
	}
	return m, nil
}

func (s *Server) sendMessage(_ context.Context, r *request) (any, *apiError) {
	var in struct {
		QueueUrl string
		sendEntry
	}
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	return s.withQueue(in.QueueUrl, func(q *queue) (any, *apiError) {
		m, aerr := s.newMessage(q, in.sendEntry, s.opts.Now())
		if aerr != nil {
			return nil, aerr
		}
		if aerr := s.commitNew(q, m); aerr != nil {
			return nil, aerr
		}
		return sendResult{MessageId: m.ID, MD5OfMessageBody: m.MD5Body, MD5OfMessageAttributes: m.MD5Attrs}, nil
	})
}

// commitNew stores new messages in q and wakes long polls; callers hold s.mu.
func (s *Server) commitNew(q *queue, ms ...*message) *apiError {
	seq := q.Seq
	for _, m := range ms {
		seq++
		m.Seq = seq
	}
	if aerr := s.persist(func(qb, mb *bolt.Bucket) error {
		if err := putMessages(mb, q.Name, ms...); err != nil {
			return err
		}
		prev := q.Seq
		q.Seq = seq
		err := putQueue(qb, q)
		q.Seq = prev
		return err
	}); aerr != nil {
		return aerr
	}
	for _, m := range ms {
		q.add(m)
	}
	s.signal()
	return nil
}

// signal wakes every waiting long poll; callers hold s.mu.
func (s *Server) signal() {
	close(s.wake)
	s.wake = make(chan struct{})
}

type batchFailure struct {
	Id          string
	SenderFault bool
	Code        string
	Message     string
}

func failure(id string, e *apiError) batchFailure {
	return batchFailure{Id: id, SenderFault: e.sender || e.status < 500, Code: e.query, Message: e.msg}
}

// checkBatch applies SQS's whole-request batch rules.
func checkBatch(op string, ids []string) *apiError {
	if len(ids) == 0 {
		return sqsErr("EmptyBatchRequest", "AWS.SimpleQueueService.EmptyBatchRequest", "There should be at least one "+op+"RequestEntry in the request.")
	}
	if len(ids) > 10 {
		return sqsErr("TooManyEntriesInBatchRequest", "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", fmt.Sprintf("Maximum number of entries per request are 10. You have sent %d.", len(ids)))
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if !batchIDRE.MatchString(id) {
			return sqsErr("InvalidBatchEntryId", "AWS.SimpleQueueService.InvalidBatchEntryId", "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.")
		}
		if seen[id] {
			return sqsErr("BatchEntryIdsNotDistinct", "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "Id "+id+" repeated.")
		}
		seen[id] = true
	}
	return nil
}

func (s *Server) sendMessageBatch(_ context.Context, r *request) (any, *apiError) {
	var in struct {
		QueueUrl string
		Entries  []sendEntry
	}
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	ids := make([]string, len(in.Entries))
	total := 0
	for i, e := range in.Entries {
		ids[i] = e.Id
		if e.MessageBody != nil {
			total += len(*e.MessageBody)
		}
	}
	return s.withQueue(in.QueueUrl, func(q *queue) (any, *apiError) {
		if aerr := checkBatch("SendMessageBatch", ids); aerr != nil {
			return nil, aerr
		}
		if maxSize, _ := strconv.Atoi(q.Attrs["MaximumMessageSize"]); total > maxSize {
			return nil, sqsErr("BatchRequestTooLong", "AWS.SimpleQueueService.BatchRequestTooLong", fmt.Sprintf("Batch requests cannot be longer than %d bytes. You have sent %d bytes.", maxSize, total))
		}
		now := s.opts.Now()
		type ok struct {
			sendResult
			Id string
		}
		successful, failed := []ok{}, []batchFailure{}
		var ms []*message
		for _, e := range in.Entries {
			m, aerr := s.newMessage(q, e, now)
			if aerr != nil {
				failed = append(failed, failure(e.Id, aerr))
				continue
			}
			ms = append(ms, m)
			successful = append(successful, ok{Id: e.Id, sendResult: sendResult{MessageId: m.ID, MD5OfMessageBody: m.MD5Body, MD5OfMessageAttributes: m.MD5Attrs}})
		}
		if len(ms) > 0 {
			if aerr := s.commitNew(q, ms...); aerr != nil {
				return nil, aerr
			}
		}
		return map[string]any{"Successful": successful, "Failed": failed}, nil
	})
}

// Receipt handles name the queue, the message and the receive they came from,
// so a handle from an earlier receive can be told apart from the current one.
func receiptHandle(queue, id, nonce string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(queue + "\x00" + id + "\x00" + nonce))
}

func parseReceiptHandle(h string) (queue, id, nonce string, ok bool) {
	b, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil {
		return "", "", "", false
	}
	parts := strings.Split(string(b), "\x00")
	if len(parts) != 3 || parts[1] == "" || parts[2] == "" {
		return "", "", "", false
	}
	return parts[0], parts[1], parts[2], true
}

func newNonce() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// expire drops messages past the queue's retention period; callers hold s.mu.
func (s *Server) expire(q *queue) *apiError {
	retention, _ := strconv.Atoi(q.Attrs["MessageRetentionPeriod"])
	cutoff := s.opts.Now().Add(-time.Duration(retention) * time.Second).UnixMilli()
	var old []*message
	for _, m := range q.msgs {
		if m.SentAt < cutoff {
			old = append(old, m)
		}
	}
	if len(old) == 0 {
		return nil
	}
	if aerr := s.persist(func(_, mb *bolt.Bucket) error { return deleteMessages(mb, q.Name, old...) }); aerr != nil {
		return aerr
	}
	for _, m := range old {
		q.remove(m)
	}
	return nil
}

type receivedMessage struct {
	MessageId              string
	ReceiptHandle          string
	MD5OfBody              string
	Body                   string
	Attributes             map[string]string     `json:",omitempty"`
	MD5OfMessageAttributes string                `json:",omitempty"`
	MessageAttributes      map[string]attrOutput `json:",omitempty"`
}

type attrOutput struct {
	DataType    string
	StringValue *string `json:",omitempty"`
	BinaryValue []byte  `json:",omitempty"`
}

type receiveInput struct {
	QueueUrl                    string
	AttributeNames              []string
	MessageSystemAttributeNames []string
	MessageAttributeNames       []string
	MaxNumberOfMessages         *int
	VisibilityTimeout           *int
	WaitTimeSeconds             *int
	ReceiveRequestAttemptId     string
}

var systemAttrNames = []string{"ApproximateFirstReceiveTimestamp", "ApproximateReceiveCount", "SenderId", "SentTimestamp"}

// check validates the request's numbers and attribute names as SQS does and returns how many
// messages to receive at most.
func (in receiveInput) check() (int, *apiError) {
	maxN := 1
	if in.MaxNumberOfMessages != nil {
		maxN = *in.MaxNumberOfMessages
		if maxN < 1 || maxN > 10 {
			return 0, errInvalidParameterValue("Value %d for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.", maxN)
		}
	}
	if in.VisibilityTimeout != nil && (*in.VisibilityTimeout < 0 || *in.VisibilityTimeout > 43200) {
		return 0, errInvalidParameterValue("Value %d for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= 43200, if provided.", *in.VisibilityTimeout)
	}
	if in.WaitTimeSeconds != nil && (*in.WaitTimeSeconds < 0 || *in.WaitTimeSeconds > 20) {
		return 0, errInvalidParameterValue("Value %d for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.", *in.WaitTimeSeconds)
	}
	for _, n := range append(append([]string{}, in.AttributeNames...), in.MessageSystemAttributeNames...) {
		if n != "All" && !contains(systemAttrNames, n) && !contains([]string{"AWSTraceHeader", "MessageDeduplicationId", "MessageGroupId", "SequenceNumber", "DeadLetterQueueSourceArn"}, n) {
			return 0, errInvalidAttributeName(n)
		}
	}
	return maxN, nil
}

func (s *Server) receiveMessage(ctx context.Context, r *request) (any, *apiError) {
	var in receiveInput
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	maxN, aerr := in.check()
	if aerr != nil {
		return nil, aerr
	}

	s.mu.Lock()
	q, aerr := s.lookup(in.QueueUrl)
	if aerr != nil {
		s.mu.Unlock()
		return nil, aerr
	}
	wait, _ := strconv.Atoi(q.Attrs["ReceiveMessageWaitTimeSeconds"])
	s.mu.Unlock()
	if in.WaitTimeSeconds != nil {
		wait = *in.WaitTimeSeconds
	}
	// Long polling waits in real time: the injected clock decides visibility,
	// while the wait itself only bounds how long the request is held.
	deadline := time.NewTimer(time.Duration(wait) * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(s.opts.PollInterval)
	defer tick.Stop()
	for {
		s.mu.Lock()
		q, aerr := s.lookup(in.QueueUrl)
		if aerr != nil {
			s.mu.Unlock()
			return nil, aerr
		}
		msgs, aerr := s.take(q, maxN, in)
		wake := s.wake
		s.mu.Unlock()
		if aerr != nil {
			return nil, aerr
		}
		if len(msgs) > 0 || wait == 0 {
			if len(msgs) == 0 {
				return struct{}{}, nil
			}
			return map[string]any{"Messages": msgs}, nil
		}
		select {
		case <-wake:
		case <-tick.C:
		case <-deadline.C:
			wait = 0
		case <-ctx.Done():
			return struct{}{}, nil
		}
	}
}

// take receives up to maxN visible messages from q, moving those already
// received maxReceiveCount times to the dead-letter queue instead; callers hold s.mu.
func (s *Server) take(q *queue, maxN int, in receiveInput) ([]receivedMessage, *apiError) {
	if aerr := s.expire(q); aerr != nil {
		return nil, aerr
	}
	now := s.opts.Now()
	vis, _ := strconv.Atoi(q.Attrs["VisibilityTimeout"])
	if in.VisibilityTimeout != nil {
		vis = *in.VisibilityTimeout
	}
	var dlq *queue
	rp, hasRedrive := q.redrive()
	if hasRedrive {
		if name, ok := s.nameFromARN(rp.DeadLetterTargetArn); ok {
			dlq = s.queues[name]
		}
	}
	var got, moved []*message
	for _, m := range q.msgs {
		if len(got) == maxN {
			break
		}
		if m.VisibleAt > now.UnixNano() {
			continue
		}
		if dlq != nil && m.Receives >= rp.MaxReceiveCount {
			moved = append(moved, m)
			continue
		}
		got = append(got, m)
	}
	if len(got) == 0 && len(moved) == 0 {
		return nil, nil
	}
	// Apply the changes to copies so that a failed write leaves memory as it was.
	updated := make([]*message, len(got))
	for i, m := range got {
		c := *m
		c.Receives++
		if c.FirstRecv == 0 {
			c.FirstRecv = now.UnixMilli()
		}
		c.Handle = newNonce()
		c.VisibleAt = now.Add(time.Duration(vis) * time.Second).UnixNano()
		updated[i] = &c
	}
	var dead []*message
	dseq := uint64(0)
	if dlq != nil {
		dseq = dlq.Seq
	}
	for _, m := range moved {
		c := *m
		c.Handle, c.VisibleAt = "", now.UnixNano()
		dseq++
		c.Seq = dseq
		dead = append(dead, &c)
	}
	if aerr := s.persist(func(qb, mb *bolt.Bucket) error {
		if err := putMessages(mb, q.Name, updated...); err != nil {
			return err
		}
		if len(moved) == 0 {
			return nil
		}
		if err := deleteMessages(mb, q.Name, moved...); err != nil {
			return err
		}
		if err := putMessages(mb, dlq.Name, dead...); err != nil {
			return err
		}
		prev := dlq.Seq
		dlq.Seq = dseq
		err := putQueue(qb, dlq)
		dlq.Seq = prev
		return err
	}); aerr != nil {
		return nil, aerr
	}
	for i, m := range got {
		*m = *updated[i]
	}
	for i, m := range moved {
		q.remove(m)
		dlq.Seq = dead[i].Seq - 1
		dlq.add(dead[i])
	}
	if len(moved) > 0 {
		s.signal()
	}
	out := make([]receivedMessage, len(got))
	for i, m := range got {
		out[i] = receivedMessage{
			MessageId:     m.ID,
			ReceiptHandle: receiptHandle(q.Name, m.ID, m.Handle),
			MD5OfBody:     m.MD5Body,
			Body:          m.Body,
			Attributes:    systemAttributes(m, append(append([]string{}, in.AttributeNames...), in.MessageSystemAttributeNames...)),
		}
		out[i].MessageAttributes, out[i].MD5OfMessageAttributes = selectAttributes(m, in.MessageAttributeNames)
	}
	return out, nil
}

func systemAttributes(m *message, names []string) map[string]string {
	all := map[string]string{
		"ApproximateReceiveCount":          strconv.Itoa(m.Receives),
		"ApproximateFirstReceiveTimestamp": strconv.FormatInt(m.FirstRecv, 10),
		"SentTimestamp":                    strconv.FormatInt(m.SentAt, 10),
		"SenderId":                         m.SenderID,
	}
	out := map[string]string{}
	for _, n := range names {
		if n == "All" {
			return all
		}
		if v, ok := all[n]; ok {
			out[n] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// selectAttributes returns the message attributes names ask for ("All", ".*", a name, or a
// prefix such as "bar.*") and the MD5 of those: the SDKs
// check MD5OfMessageAttributes against the attributes they received, not all the message has
// (aws-sdk-java-v2's MessageMD5ChecksumInterceptor throws on a mismatch; found with the
// JavaScript SDK, test/node/aws-sqs.test.mjs), and none is sent when none is returned.
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html#sqs-attributes-md5-message-digest-calculation
func selectAttributes(m *message, names []string) (map[string]attrOutput, string) {
	sel := map[string]msgAttr{}
	for k, a := range m.Attrs {
		for _, n := range names {
			match := n == "All" || n == ".*" || n == k
			if p, ok := strings.CutSuffix(n, ".*"); ok && strings.HasPrefix(k, p+".") {
				match = true
			}
			if match {
				sel[k] = a
				break
			}
		}
	}
	if len(sel) == 0 {
		return nil, ""
	}
	md5 := m.MD5Attrs
	if len(sel) < len(m.Attrs) {
		md5 = md5OfAttributes(sel)
	}
	out := make(map[string]attrOutput, len(sel))
	for k, a := range sel {
		o := attrOutput{DataType: a.DataType}
		if a.BinaryValue != nil {
			o.BinaryValue = a.BinaryValue
		} else {
			v := a.StringValue
			o.StringValue = &v
		}
		out[k] = o
	}
	return out, md5
}

// findByHandle resolves a receipt handle against q; m is nil when the message
// is gone. current reports whether the handle is from the latest receive.
func findByHandle(q *queue, h string) (m *message, current bool, aerr *apiError) {
	if h == "" {
		return nil, false, errMissingParameter("ReceiptHandle")
	}
	qname, id, nonce, ok := parseReceiptHandle(h)
	if !ok || qname != q.Name {
		return nil, false, errReceiptHandleIsInvalid(h)
	}
	m = q.byID[id]
	if m == nil {
		return nil, false, nil
	}
	return m, m.Handle == nonce, nil
}

func (s *Server) deleteOne(q *queue, h string) *apiError {
	m, current, aerr := findByHandle(q, h)
	if aerr != nil {
		return aerr
	}
	// A handle from an earlier receive succeeds without deleting, as SQS documents.
	if m == nil || !current {
		return nil
	}
	if aerr := s.persist(func(_, mb *bolt.Bucket) error { return deleteMessages(mb, q.Name, m) }); aerr != nil {
		return aerr
	}
	q.remove(m)
	return nil
}

func (s *Server) deleteMessage(_ context.Context, r *request) (any, *apiError) {
	var in struct {
		QueueUrl      string
		ReceiptHandle string
	}
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	return s.withQueue(in.QueueUrl, func(q *queue) (any, *apiError) {
		if aerr := s.deleteOne(q, in.ReceiptHandle); aerr != nil {
			return nil, aerr
		}
		return struct{}{}, nil
	})
}

type idResult struct {
	Id string
}

func (s *Server) deleteMessageBatch(_ context.Context, r *request) (any, *apiError) {
	var in struct {
		QueueUrl string
		Entries  []struct {
			Id            string
			ReceiptHandle string
		}
	}
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	ids := make([]string, len(in.Entries))
	for i, e := range in.Entries {
		ids[i] = e.Id
	}
	return s.eachEntry(in.QueueUrl, "DeleteMessageBatch", ids, func(q *queue, i int) *apiError {
		return s.deleteOne(q, in.Entries[i].ReceiptHandle)
	})
}

// eachEntry runs a batch whose entries succeed or fail one at a time: the
// queue lookup, then SQS's whole-request checks, then apply on each entry in order.
func (s *Server) eachEntry(queueURL, op string, ids []string, apply func(q *queue, i int) *apiError) (any, *apiError) {
	return s.withQueue(queueURL, func(q *queue) (any, *apiError) {
		if aerr := checkBatch(op, ids); aerr != nil {
			return nil, aerr
		}
		successful, failed := []idResult{}, []batchFailure{}
		for i, id := range ids {
			if aerr := apply(q, i); aerr != nil {
				failed = append(failed, failure(id, aerr))
				continue
			}
			successful = append(successful, idResult{Id: id})
		}
		return map[string]any{"Successful": successful, "Failed": failed}, nil
	})
}

func (s *Server) changeOne(q *queue, h string, timeout int) *apiError {
	if timeout < 0 || timeout > 43200 {
		return errInvalidParameterValue("Value %d for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= 43200, if provided.", timeout)
	}
	m, current, aerr := findByHandle(q, h)
	if aerr != nil {
		return aerr
	}
	now := s.opts.Now()
	if m == nil || !current {
		return errInvalidParameterValue("Value %s for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.", h)
	}
	if m.VisibleAt <= now.UnixNano() {
		return sqsErr("MessageNotInflight", "AWS.SimpleQueueService.MessageNotInflight", "Message does not exist or is not available for visibility timeout change.")
	}
	c := *m
	c.VisibleAt = now.Add(time.Duration(timeout) * time.Second).UnixNano()
	if aerr := s.persist(func(_, mb *bolt.Bucket) error { return putMessages(mb, q.Name, &c) }); aerr != nil {
		return aerr
	}
	*m = c
	if timeout == 0 {
		s.signal()
	}
	return nil
}

func (s *Server) changeMessageVisibility(_ context.Context, r *request) (any, *apiError) {
	var in struct {
		QueueUrl          string
		ReceiptHandle     string
		VisibilityTimeout *int
	}
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	if in.VisibilityTimeout == nil {
		return nil, errMissingParameter("VisibilityTimeout")
	}
	return s.withQueue(in.QueueUrl, func(q *queue) (any, *apiError) {
		if aerr := s.changeOne(q, in.ReceiptHandle, *in.VisibilityTimeout); aerr != nil {
			return nil, aerr
		}
		return struct{}{}, nil
	})
}

func (s *Server) changeMessageVisibilityBatch(_ context.Context, r *request) (any, *apiError) {
	var in struct {
		QueueUrl string
		Entries  []struct {
			Id                string
			ReceiptHandle     string
			VisibilityTimeout int
		}
	}
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	ids := make([]string, len(in.Entries))
	for i, e := range in.Entries {
		ids[i] = e.Id
	}
	return s.eachEntry(in.QueueUrl, "ChangeMessageVisibilityBatch", ids, func(q *queue, i int) *apiError {
		return s.changeOne(q, in.Entries[i].ReceiptHandle, in.Entries[i].VisibilityTimeout)
	})
}
