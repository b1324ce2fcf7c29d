package core

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/apperr"
)

// EventQuery selects events of one account and mode, newest first.
type EventQuery struct {
	// CreatedFrom and CreatedBefore bound createdAt (Unix ms, inclusive / exclusive; 0 = open).
	CreatedFrom, CreatedBefore int64
	// Match filters by type (nil = every event).
	Match func(typ string) bool
	Limit int
	Skip  int
	// Total asks for the number of matching events as well.
	Total bool
}

// EventPage is one page of events.
type EventPage struct {
	Events []Doc
	Total  int
}

// expired reports whether a TTL'd item is past its time: DynamoDB deletes expired items only
// eventually (within days), so reads must hide them themselves.
func (s *Store) expired(item map[string]types.AttributeValue) bool {
	ttl := getN(item, "ttl")
	return ttl != 0 && ttl <= s.Now().Unix()
}

// GetEvent reads one event of the account and mode, in its own version (apiversion.go).
func (s *Store) GetEvent(ctx context.Context, account, mode, id string) (Doc, error) {
	return s.GetEventIn(ctx, account, mode, id, "")
}

func (s *Store) getEventRaw(ctx context.Context, account, mode, id string) (Doc, error) {
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
	if hi <= lo {
		return EventPage{Events: []Doc{}}, nil
	}
	cond += " AND SK BETWEEN :lo AND :hi"
	// BETWEEN is inclusive; the upper prefix itself is never an id (ids are longer), so this is "< hi".
	vals[":lo"], vals[":hi"] = sv(lo), sv(hi)
	page := EventPage{Events: []Doc{}}
	matched := 0
	var start map[string]types.AttributeValue
	for {
		out, err := s.DB.Query(ctx, &dynamodb.QueryInput{
			TableName:                 &s.Table,
			KeyConditionExpression:    aws.String(cond),
			ExpressionAttributeValues: vals,
			ScanIndexForward:          aws.Bool(false),
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
	return page, nil
}
