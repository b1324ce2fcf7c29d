package sqs

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

var queueNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)

// defaults of the settable attributes, as SQS creates a standard queue.
var attrDefaults = map[string]string{
	"DelaySeconds":                  "0",
	"MaximumMessageSize":            "262144",
	"MessageRetentionPeriod":        "345600",
	"ReceiveMessageWaitTimeSeconds": "0",
	"VisibilityTimeout":             "30",
	"SqsManagedSseEnabled":          "true",
}

// settable attributes beyond the defaulted ones.
var optionalAttrs = map[string]bool{
	"RedrivePolicy": true, "RedriveAllowPolicy": true, "Policy": true,
	"KmsMasterKeyId": true, "KmsDataKeyReusePeriodSeconds": true,
}

var readOnlyAttrs = []string{
	"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed",
	"CreatedTimestamp", "LastModifiedTimestamp", "QueueArn",
}

var intRanges = map[string][2]int{
	"DelaySeconds":                  {0, 900},
	"MaximumMessageSize":            {1024, 1048576},
	"MessageRetentionPeriod":        {60, 1209600},
	"ReceiveMessageWaitTimeSeconds": {0, 20},
	"VisibilityTimeout":             {0, 43200},
	"KmsDataKeyReusePeriodSeconds":  {60, 86400},
}

type redrivePolicy struct {
	DeadLetterTargetArn string `json:"deadLetterTargetArn"`
	MaxReceiveCount     int    `json:"maxReceiveCount"`
}

func (s *Server) arn(name string) string {
	return "arn:aws:sqs:" + s.opts.Region + ":" + s.opts.AccountID + ":" + name
}

func (s *Server) queueURL(host, name string) string {
	return "http://" + host + "/" + s.opts.AccountID + "/" + name
}

// nameFromARN returns the queue name of one of our ARNs.
func (s *Server) nameFromARN(arn string) (string, bool) {
	return strings.CutPrefix(arn, "arn:aws:sqs:"+s.opts.Region+":"+s.opts.AccountID+":")
}

// lookup resolves a QueueUrl; callers hold s.mu.
func (s *Server) lookup(queueURL string) (*queue, *apiError) {
	if s.closed {
		return nil, errInternal(errors.New("server closed"))
	}
	if queueURL == "" {
		return nil, errMissingParameter("QueueUrl")
	}
	u, err := url.Parse(queueURL)
	if err != nil {
		return nil, errQueueDoesNotExist()
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) != 2 || parts[0] != s.opts.AccountID {
		return nil, errQueueDoesNotExist()
	}
	q, ok := s.queues[parts[1]]
	if !ok {
		return nil, errQueueDoesNotExist()
	}
	return q, nil
}

// withQueue runs fn on the queue at queueURL with s.mu held, the shape of
// every handler that acts on one queue.
func (s *Server) withQueue(queueURL string, fn func(q *queue) (any, *apiError)) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q, aerr := s.lookup(queueURL)
	if aerr != nil {
		return nil, aerr
	}
	return fn(q)
}

// validateAttrs checks settable queue attributes and returns them normalised;
// self is the queue being configured, which cannot be its own dead-letter queue.
func (s *Server) validateAttrs(in map[string]string, self string) (map[string]string, *apiError) {
	out := make(map[string]string, len(in))
	for k, v := range in {
		switch {
		case k == "FifoQueue" || k == "ContentBasedDeduplication" || k == "DeduplicationScope" || k == "FifoThroughputLimit":
			if v == "false" && k == "FifoQueue" {
				continue
			}
			return nil, errInvalidAttributeName(k)
		case k == "RedrivePolicy":
			if v == "" {
				out[k] = ""
				continue
			}
			rp, aerr := s.validateRedrive(v, self)
			if aerr != nil {
				return nil, aerr
			}
			out[k] = rp
		case intRanges[k] != [2]int{}:
			r := intRanges[k]
			n, err := strconv.Atoi(v)
			if err != nil || n < r[0] || n > r[1] {
				return nil, errInvalidAttributeValue("Invalid value for the parameter %s.", k)
			}
			out[k] = strconv.Itoa(n)
		case k == "SqsManagedSseEnabled":
			if v != "true" && v != "false" {
				return nil, errInvalidAttributeValue("Invalid value for the parameter %s.", k)
			}
			out[k] = v
		case optionalAttrs[k]:
			out[k] = v
		default:
			return nil, errInvalidAttributeName(k)
		}
	}
	return out, nil
}

// validateRedrive checks a RedrivePolicy (its dead-letter queue must exist and not be self) and
// returns it in its normal JSON form.
func (s *Server) validateRedrive(v, self string) (string, *apiError) {
	var raw map[string]any
	if err := json.Unmarshal([]byte(v), &raw); err != nil {
		return "", errInvalidParameterValue("Value %s for parameter RedrivePolicy is invalid. Reason: Invalid value for the parameter RedrivePolicy.", v)
	}
	arn, _ := raw["deadLetterTargetArn"].(string)
	var count int
	switch c := raw["maxReceiveCount"].(type) {
	case float64:
		count = int(c)
	case string:
		count, _ = strconv.Atoi(c)
	}
	if arn == "" || count < 1 || count > 1000 {
		return "", errInvalidParameterValue("Value %s for parameter RedrivePolicy is invalid. Reason: Redrive policy is not a valid JSON map or is missing deadLetterTargetArn or maxReceiveCount (1 to 1000).", v)
	}
	name, ok := s.nameFromARN(arn)
	if _, exists := s.queues[name]; !ok || !exists || name == self {
		return "", errInvalidParameterValue("Value %s for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.", v)
	}
	b, _ := json.Marshal(redrivePolicy{DeadLetterTargetArn: arn, MaxReceiveCount: count})
	return string(b), nil
}

type createQueueInput struct {
	QueueName  string
	Attributes map[string]string
	Tags       map[string]string `json:"tags"`
}

func (s *Server) createQueue(_ context.Context, r *request) (any, *apiError) {
	var in createQueueInput
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	if in.QueueName == "" {
		return nil, errMissingParameter("QueueName")
	}
	if strings.HasSuffix(in.QueueName, ".fifo") {
		return nil, errInvalidParameterValue("FIFO queues are not supported by this emulator.")
	}
	if !queueNameRE.MatchString(in.QueueName) {
		return nil, errInvalidParameterValue("Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	attrs, aerr := s.validateAttrs(in.Attributes, in.QueueName)
	if aerr != nil {
		return nil, aerr
	}
	if q, ok := s.queues[in.QueueName]; ok {
		// Same name and the same values for every attribute given: the
		// existing queue's URL; any difference is an error.
		keys := sortedKeys(attrs)
		for _, k := range keys {
			if cur := q.Attrs[k]; cur != attrs[k] {
				return nil, sqsErr("QueueNameExists", "QueueAlreadyExists", "A queue already exists with the same name and a different value for attribute "+k)
			}
		}
		return map[string]string{"QueueUrl": s.queueURL(r.host, q.Name)}, nil
	}
	now := s.opts.Now()
	if t, ok := s.deleted[in.QueueName]; ok && now.Sub(t) < 60*time.Second {
		return nil, sqsErr("QueueDeletedRecently", "AWS.SimpleQueueService.QueueDeletedRecently", "You must wait 60 seconds after deleting a queue before you can create another with the same name.")
	}
	q := &queue{Name: in.QueueName, Attrs: maps.Clone(attrDefaults), Tags: in.Tags, Created: now.Unix(), Modified: now.Unix(), byID: map[string]*message{}}
	for k, v := range attrs {
		if v == "" {
			delete(q.Attrs, k)
			continue
		}
		q.Attrs[k] = v
	}
	if aerr := s.persist(func(qb, mb *bolt.Bucket) error {
		if err := putQueue(qb, q); err != nil {
			return err
		}
		_, err := mb.CreateBucketIfNotExists([]byte(q.Name))
		return err
	}); aerr != nil {
		return nil, aerr
	}
	s.queues[q.Name] = q
	delete(s.deleted, q.Name)
	return map[string]string{"QueueUrl": s.queueURL(r.host, q.Name)}, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (s *Server) getQueueURL(_ context.Context, r *request) (any, *apiError) {
	var in struct {
		QueueName              string
		QueueOwnerAWSAccountId string
	}
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	if in.QueueName == "" {
		return nil, errMissingParameter("QueueName")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if in.QueueOwnerAWSAccountId != "" && in.QueueOwnerAWSAccountId != s.opts.AccountID {
		return nil, errQueueDoesNotExist()
	}
	if _, ok := s.queues[in.QueueName]; !ok {
		return nil, errQueueDoesNotExist()
	}
	return map[string]string{"QueueUrl": s.queueURL(r.host, in.QueueName)}, nil
}

type queueURLInput struct {
	QueueUrl string
}

func (s *Server) getQueueAttributes(_ context.Context, r *request) (any, *apiError) {
	var in struct {
		QueueUrl       string
		AttributeNames []string
	}
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	return s.withQueue(in.QueueUrl, func(q *queue) (any, *apiError) {
		if aerr := s.expire(q); aerr != nil {
			return nil, aerr
		}
		all := s.queueAttributes(q)
		out := map[string]string{}
		for _, n := range in.AttributeNames {
			if n == "All" {
				out = all
				break
			}
			if _, known := attrDefaults[n]; !known && !optionalAttrs[n] && !contains(readOnlyAttrs, n) {
				return nil, errInvalidAttributeName(n)
			}
			if v, ok := all[n]; ok {
				out[n] = v
			}
		}
		if len(out) == 0 {
			return struct{}{}, nil
		}
		return map[string]any{"Attributes": out}, nil
	})
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// queueAttributes is every attribute of q as GetQueueAttributes(All) shows it.
func (s *Server) queueAttributes(q *queue) map[string]string {
	out := maps.Clone(q.Attrs)
	now := s.opts.Now().UnixNano()
	var visible, inflight, delayed int
	for _, m := range q.msgs {
		switch {
		case m.VisibleAt <= now:
			visible++
		case m.Handle != "":
			inflight++
		default:
			delayed++
		}
	}
	out["ApproximateNumberOfMessages"] = strconv.Itoa(visible)
	out["ApproximateNumberOfMessagesNotVisible"] = strconv.Itoa(inflight)
	out["ApproximateNumberOfMessagesDelayed"] = strconv.Itoa(delayed)
	out["CreatedTimestamp"] = strconv.FormatInt(q.Created, 10)
	out["LastModifiedTimestamp"] = strconv.FormatInt(q.Modified, 10)
	out["QueueArn"] = s.arn(q.Name)
	return out
}

func (s *Server) setQueueAttributes(_ context.Context, r *request) (any, *apiError) {
	var in struct {
		QueueUrl   string
		Attributes map[string]string
	}
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	if in.Attributes == nil {
		return nil, errMissingParameter("Attributes")
	}
	return s.withQueue(in.QueueUrl, func(q *queue) (any, *apiError) {
		attrs, aerr := s.validateAttrs(in.Attributes, q.Name)
		if aerr != nil {
			return nil, aerr
		}
		next := maps.Clone(q.Attrs)
		for k, v := range attrs {
			if v == "" {
				delete(next, k)
				continue
			}
			next[k] = v
		}
		old, oldMod := q.Attrs, q.Modified
		q.Attrs, q.Modified = next, s.opts.Now().Unix()
		if aerr := s.persist(func(qb, _ *bolt.Bucket) error { return putQueue(qb, q) }); aerr != nil {
			q.Attrs, q.Modified = old, oldMod
			return nil, aerr
		}
		return struct{}{}, nil
	})
}

func (s *Server) listQueues(_ context.Context, r *request) (any, *apiError) {
	var in struct {
		QueueNamePrefix string
		NextToken       string
		MaxResults      *int
	}
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	limit := 1000
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 1000 {
			return nil, errInvalidParameterValue("Value %d for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.", *in.MaxResults)
		}
		limit = *in.MaxResults
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	names := sortedKeys(s.queues)
	var urls []string
	next := ""
	for _, n := range names {
		if !strings.HasPrefix(n, in.QueueNamePrefix) || (in.NextToken != "" && n <= in.NextToken) {
			continue
		}
		if len(urls) == limit {
			// NextToken is only returned when MaxResults was given, as SQS does.
			if in.MaxResults != nil {
				next = urls[len(urls)-1]
				next = next[strings.LastIndex(next, "/")+1:]
			}
			break
		}
		urls = append(urls, s.queueURL(r.host, n))
	}
	out := map[string]any{}
	if len(urls) > 0 {
		out["QueueUrls"] = urls
	}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

func (s *Server) listDeadLetterSourceQueues(_ context.Context, r *request) (any, *apiError) {
	var in queueURLInput
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	return s.withQueue(in.QueueUrl, func(q *queue) (any, *apiError) {
		arn := s.arn(q.Name)
		urls := []string{}
		for _, n := range sortedKeys(s.queues) {
			if rp, ok := s.queues[n].redrive(); ok && rp.DeadLetterTargetArn == arn {
				urls = append(urls, s.queueURL(r.host, n))
			}
		}
		return map[string]any{"queueUrls": urls}, nil
	})
}

func (q *queue) redrive() (redrivePolicy, bool) {
	v, ok := q.Attrs["RedrivePolicy"]
	if !ok {
		return redrivePolicy{}, false
	}
	var rp redrivePolicy
	if err := json.Unmarshal([]byte(v), &rp); err != nil || rp.MaxReceiveCount < 1 {
		return redrivePolicy{}, false
	}
	return rp, true
}

func (s *Server) deleteQueue(_ context.Context, r *request) (any, *apiError) {
	var in queueURLInput
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	return s.withQueue(in.QueueUrl, func(q *queue) (any, *apiError) {
		if aerr := s.persist(func(qb, mb *bolt.Bucket) error {
			if err := qb.Delete([]byte(q.Name)); err != nil {
				return err
			}
			if mb.Bucket([]byte(q.Name)) != nil {
				return mb.DeleteBucket([]byte(q.Name))
			}
			return nil
		}); aerr != nil {
			return nil, aerr
		}
		delete(s.queues, q.Name)
		s.deleted[q.Name] = s.opts.Now()
		return struct{}{}, nil
	})
}

func (s *Server) purgeQueue(_ context.Context, r *request) (any, *apiError) {
	var in queueURLInput
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	return s.withQueue(in.QueueUrl, func(q *queue) (any, *apiError) {
		now := s.opts.Now()
		if !q.purgedAt.IsZero() && now.Sub(q.purgedAt) < 60*time.Second {
			return nil, sqsErr("PurgeQueueInProgress", "AWS.SimpleQueueService.PurgeQueueInProgress", "Only one PurgeQueue operation on "+q.Name+" is allowed every 60 seconds.")
		}
		if aerr := s.persist(func(_, mb *bolt.Bucket) error {
			if mb.Bucket([]byte(q.Name)) != nil {
				if err := mb.DeleteBucket([]byte(q.Name)); err != nil {
					return err
				}
			}
			_, err := mb.CreateBucket([]byte(q.Name))
			return err
		}); aerr != nil {
			return nil, aerr
		}
		q.msgs, q.byID, q.purgedAt = nil, map[string]*message{}, now
		return struct{}{}, nil
	})
}

func (s *Server) tagQueue(_ context.Context, r *request) (any, *apiError) {
	var in struct {
		QueueUrl string
		Tags     map[string]string
	}
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	return s.updateTags(in.QueueUrl, func(t map[string]string) { maps.Copy(t, in.Tags) })
}

func (s *Server) untagQueue(_ context.Context, r *request) (any, *apiError) {
	var in struct {
		QueueUrl string
		TagKeys  []string
	}
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	return s.updateTags(in.QueueUrl, func(t map[string]string) {
		for _, k := range in.TagKeys {
			delete(t, k)
		}
	})
}

func (s *Server) updateTags(queueURL string, fn func(map[string]string)) (any, *apiError) {
	return s.withQueue(queueURL, func(q *queue) (any, *apiError) {
		old := q.Tags
		q.Tags = maps.Clone(old)
		if q.Tags == nil {
			q.Tags = map[string]string{}
		}
		fn(q.Tags)
		if aerr := s.persist(func(qb, _ *bolt.Bucket) error { return putQueue(qb, q) }); aerr != nil {
			q.Tags = old
			return nil, aerr
		}
		return struct{}{}, nil
	})
}

func (s *Server) listQueueTags(_ context.Context, r *request) (any, *apiError) {
	var in queueURLInput
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	return s.withQueue(in.QueueUrl, func(q *queue) (any, *apiError) {
		if len(q.Tags) == 0 {
			return struct{}{}, nil
		}
		return map[string]any{"Tags": q.Tags}, nil
	})
}
