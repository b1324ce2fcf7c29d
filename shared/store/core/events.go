package core

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/domain"
)

// EventQuery selects events of one account and mode, newest first.
type EventQuery struct {
	// CreatedFrom and CreatedBefore bound createdAt (Unix ms, inclusive / exclusive; 0 = open).
	CreatedFrom, CreatedBefore int64
	// Match filters by type (nil = every event).
	Match func(typ string) bool
	Limit int
	Skip  int
	// After and Before are a cursor (startingAfter / endingBefore): only events older than
	// After, or newer than Before (read oldest first from it, the page returned newest first).
	After, Before string
	// Total asks for the number of matching events as well.
	Total bool
}

// EventPage is one page of events.
type EventPage struct {
	Events []domain.Doc
	Total  int
}

// expired reports whether a TTL'd item is past its time: DynamoDB deletes expired items only
// eventually (within days), so reads must hide them themselves.
func (s *Store) expired(item map[string]types.AttributeValue) bool {
	ttl := getN(item, "ttl")
	return ttl != 0 && ttl <= s.Now().Unix()
}

// GetEvent reads one event of the account and mode, in its own version (apiversion.go).
func (s *Store) GetEvent(ctx context.Context, account, mode, id string) (domain.Doc, error) {
	return s.GetEventIn(ctx, account, mode, id, "")
}

func (s *Store) getEventRaw(ctx context.Context, account, mode, id string) (domain.Doc, error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &s.Table,
		Key:       map[string]types.AttributeValue{"PK": sv(eventPartition(account, mode)), "SK": sv(id)},
	})
	if err != nil {
		return nil, fmt.Errorf("store: get event %s: %w", id, err)
	}
	if out.Item == nil || s.expired(out.Item) {
		return nil, apperr.New(apperr.NotFound, "No such event: %s", id)
	}
	return unmarshalDoc(out.Item), nil
}

// ListEvents reads events newest first. The createdAt range is a key range (event ids sort by
// creation time); the type filter is applied while reading, page by page.
func (s *Store) ListEvents(ctx context.Context, account, mode string, q EventQuery) (EventPage, error) {
	cond := "PK = :pk"
	vals := map[string]types.AttributeValue{":pk": sv(eventPartition(account, mode))}
	lo, hi := "evt_", "evt`" // '`' sorts right after '_': the whole evt_ range
	if q.CreatedFrom > 0 {
		lo = NewIDPrefix("evt", time.UnixMilli(q.CreatedFrom))
	}
	if q.CreatedBefore > 0 {
		hi = NewIDPrefix("evt", time.UnixMilli(q.CreatedBefore))
	}
	lo, hi = SeekBounds(lo, hi, q.After, q.Before)
	if hi <= lo {
		return EventPage{Events: []domain.Doc{}}, nil
	}
	cond += " AND SK BETWEEN :lo AND :hi"
	// BETWEEN is inclusive; the upper prefix itself is never an id (ids are longer), so this is "< hi".
	vals[":lo"], vals[":hi"] = sv(lo), sv(hi)
	page := EventPage{Events: []domain.Doc{}}
	matched := 0
	var start map[string]types.AttributeValue
	for {
		out, err := s.DB.Query(ctx, &dynamodb.QueryInput{
			TableName:                 &s.Table,
			KeyConditionExpression:    aws.String(cond),
			ExpressionAttributeValues: vals,
			ScanIndexForward:          aws.Bool(q.Before != ""),
			ExclusiveStartKey:         start,
		})
		if err != nil {
			return page, fmt.Errorf("store: list events: %w", err)
		}
		for _, it := range out.Items {
			if s.expired(it) || (q.Match != nil && !q.Match(getS(it, "type"))) {
				continue
			}
			if matched >= q.Skip && len(page.Events) < q.Limit {
				ev, err := renderEvent(unmarshalDoc(it), "") // apiversion.go
				if err != nil {
					return page, err
				}
				page.Events = append(page.Events, ev)
			}
			matched++
		}
		if out.LastEvaluatedKey == nil || (!q.Total && len(page.Events) >= q.Limit) {
			break
		}
		start = out.LastEvaluatedKey
	}
	page.Total = matched
	if q.Before != "" {
		reverseDocs(page.Events)
	}
	return page, nil
}

// SeekBounds narrows an id key range [lo, hi] (BETWEEN, inclusive) to a cursor's side: the ids
// strictly below after, or strictly above before.
func SeekBounds(lo, hi, after, before string) (string, string) {
	if after != "" && after < hi {
		hi = below(after)
	}
	if before != "" && before+"\x00" > lo {
		lo = before + "\x00"
	}
	return lo, hi
}

// below is the greatest string under s that a BETWEEN can take as its upper bound without
// reaching s: s with its last byte lowered and 0x7f appended (ids are printable ASCII).
func below(s string) string {
	if s == "" {
		return s
	}
	return s[:len(s)-1] + string(s[len(s)-1]-1) + "\x7f"
}

func reverseDocs(d []domain.Doc) {
	for i, j := 0, len(d)-1; i < j; i, j = i+1, j-1 {
		d[i], d[j] = d[j], d[i]
	}
}
