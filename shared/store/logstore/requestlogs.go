package logstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/store/core"
)

// RequestLogTTL is how long request logs are kept.
const RequestLogTTL = 7 * 24 * time.Hour

func requestLogPK(account, mode string) string { return "A#" + account + "#" + mode + "#LOG" }

// attribute names of a log item (camelCase like object fields; the system ones are PK, SK, ttl).
const (
	rlMethod, rlPath, rlOrg, rlKeyID, rlKeyType, rlSession = "method", "path", "organizationId", "keyId", "keyType", "session"
	rlStatus, rlErrorEvent, rlRequestID, rlIdemKey         = "status", "errorEventId", "requestId", "idempotencyKey"
	rlCreatedAt, rlDuration                                = "createdAt", "durationMs"
)

func requestLogItem(l domain.RequestLog) map[string]types.AttributeValue {
	it := map[string]types.AttributeValue{
		"PK": core.SV(requestLogPK(l.AccountID, l.Mode)), "SK": core.SV(l.ID),
		"ttl":    core.N(time.UnixMilli(l.At).Add(RequestLogTTL).Unix()),
		rlStatus: core.N(int64(l.Status)), rlCreatedAt: core.N(l.At), rlDuration: core.N(l.DurationMs),
	}
	for k, v := range map[string]string{rlMethod: l.Method, rlPath: l.Path, rlOrg: l.Organization, rlKeyID: l.KeyID, rlKeyType: l.KeyType,
		rlSession: l.Session, rlErrorEvent: l.ErrorEventID, rlRequestID: l.RequestID, rlIdemKey: l.IdempotencyKey} {
		if v != "" {
			it[k] = core.SV(v)
		}
	}
	return it
}

func requestLogFrom(account, mode string, it map[string]types.AttributeValue) domain.RequestLog {
	return domain.RequestLog{ID: core.GetS(it, "SK"), AccountID: account, Mode: mode, Method: core.GetS(it, rlMethod), Path: core.GetS(it, rlPath),
		Organization: core.GetS(it, rlOrg), KeyID: core.GetS(it, rlKeyID), KeyType: core.GetS(it, rlKeyType), Session: core.GetS(it, rlSession),
		Status: int(core.GetN(it, rlStatus)), ErrorEventID: core.GetS(it, rlErrorEvent), RequestID: core.GetS(it, rlRequestID),
		IdempotencyKey: core.GetS(it, rlIdemKey), At: core.GetN(it, rlCreatedAt), DurationMs: core.GetN(it, rlDuration)}
}

// PutRequestLog stores a log. An empty ID gets a fresh req_ id from At (or now); the stored log is
// returned.
func (s *RequestLogs) PutRequestLog(ctx context.Context, l domain.RequestLog) (domain.RequestLog, error) {
	if l.AccountID == "" || (l.Mode != domain.Test && l.Mode != domain.Live) {
		return l, fmt.Errorf("store: request log needs an account and a mode, not %q/%q", l.AccountID, l.Mode)
	}
	if l.At == 0 {
		l.At = s.Now().UnixMilli()
	}
	if l.ID == "" {
		l.ID = core.NewID("req", time.UnixMilli(l.At))
	}
	if _, err := s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: requestLogItem(l),
		ConditionExpression: aws.String("attribute_not_exists(PK)")}); err != nil {
		return l, fmt.Errorf("store: put request log %s: %w", l.ID, core.Contended(err))
	}
	return l, nil
}

// GetRequestLog reads one log of the account and mode.
func (s *RequestLogs) GetRequestLog(ctx context.Context, account, mode, id string) (domain.RequestLog, error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table,
		Key: map[string]types.AttributeValue{"PK": core.SV(requestLogPK(account, mode)), "SK": core.SV(id)}})
	if err != nil {
		return domain.RequestLog{}, fmt.Errorf("store: get request log %s: %w", id, err)
	}
	if out.Item == nil || s.Expired(out.Item) {
		return domain.RequestLog{}, apperr.New(apperr.NotFound, "No such request_log: %s", id)
	}
	return requestLogFrom(account, mode, out.Item), nil
}

// requestLogPageSize bounds one Query: big enough that a page of 100 logs usually takes one
// round trip, small enough that the first page of 10 does not read a whole megabyte.
func requestLogPageSize(want int) int32 { return int32(min(max(want+1, 50), 1000)) }

// FindRequestLogs reads logs newest first, skipping skip matches and returning at most limit.
// The time range is a key range; the other filters are a FilterExpression (they cut what comes
// back, not what is read).
func (s *RequestLogs) FindRequestLogs(ctx context.Context, account, mode string, f domain.RequestLogFilter, limit, skip int) (domain.RequestLogPage, error) {
	page := domain.RequestLogPage{Logs: []domain.RequestLog{}}
	lo, hi := "req_", "req`" // '`' sorts right after '_': the whole req_ range
	if f.CreatedFrom > 0 {
		lo = core.NewIDPrefix("req", time.UnixMilli(f.CreatedFrom))
	}
	if f.CreatedBefore > 0 {
		hi = core.NewIDPrefix("req", time.UnixMilli(f.CreatedBefore))
	}
	lo, hi = core.SeekBounds(lo, hi, f.After, f.Before)
	if hi <= lo {
		return page, nil
	}
	vals := map[string]types.AttributeValue{":pk": core.SV(requestLogPK(account, mode)), ":lo": core.SV(lo), ":hi": core.SV(hi)}
	names := map[string]string{}
	var conds []string
	cond := func(attr, op string, v types.AttributeValue) {
		ph := strconv.Itoa(len(conds))
		names["#f"+ph], vals[":f"+ph] = attr, v
		conds = append(conds, "#f"+ph+" "+op+" :f"+ph)
	}
	if f.Status != 0 {
		cond(rlStatus, "=", core.N(int64(f.Status)))
	}
	if f.StatusMin != 0 {
		cond(rlStatus, ">=", core.N(int64(f.StatusMin)))
	}
	if f.StatusMax != 0 {
		cond(rlStatus, "<=", core.N(int64(f.StatusMax)))
	}
	if f.Method != "" {
		cond(rlMethod, "=", core.SV(f.Method))
	}
	if f.KeyID != "" {
		cond(rlKeyID, "=", core.SV(f.KeyID))
	}
	if f.RequestID != "" {
		cond(rlRequestID, "=", core.SV(f.RequestID))
	}
	in := &dynamodb.QueryInput{TableName: &s.Table,
		// BETWEEN is inclusive; the upper prefix itself is never an id (ids are longer), so this is "< hi".
		KeyConditionExpression: aws.String("PK = :pk AND SK BETWEEN :lo AND :hi"), ExpressionAttributeValues: vals,
		ScanIndexForward: aws.Bool(f.Before != ""), Limit: aws.Int32(requestLogPageSize(skip + limit))}
	if len(conds) > 0 {
		in.FilterExpression, in.ExpressionAttributeNames = aws.String(strings.Join(conds, " AND ")), names
	}
	matched := 0
	for {
		out, err := s.DB.Query(ctx, in)
		if err != nil {
			return page, fmt.Errorf("store: find request logs: %w", err)
		}
		for _, it := range out.Items {
			if s.Expired(it) {
				continue
			}
			if matched >= skip && len(page.Logs) < limit {
				page.Logs = append(page.Logs, requestLogFrom(account, mode, it))
			}
			matched++
		}
		if out.LastEvaluatedKey == nil || (!f.Total && matched >= skip+limit) {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	if f.Total {
		page.Total = matched
	}
	if f.Before != "" {
		for i, j := 0, len(page.Logs)-1; i < j; i, j = i+1, j-1 {
			page.Logs[i], page.Logs[j] = page.Logs[j], page.Logs[i]
		}
	}
	return page, nil
}
