package webhookstore

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/store/core"
)

// Webhook endpoints and their deliveries belong to an account and mode (not to an organization):
//   endpoints   A#<acct>#<mode>#WE              SK we_...
//   deliveries  A#<acct>#<mode>#WE#<we>#WHD     SK whd_... (sorted by event time)
//   due retries WHDUE#<shard>                    SK <due ms, 13 digits>#<whd>  (read by the sweeper)

// Endpoint statuses.
const (
	EndpointEnabled  = "enabled"
	EndpointDisabled = "disabled"
)

// Delivery statuses.
const (
	DeliveryPending   = "pending"
	DeliverySucceeded = "succeeded"
	DeliveryFailed    = "failed"
)

// Secret is one signing secret of an endpoint; ExpiresAt (Unix ms) is set on a rolled-out one.
type Secret struct {
	Value     string
	ExpiresAt int64
}

// Endpoint is a webhook endpoint.
type Endpoint struct {
	ID             string
	Mode           string
	URL            string
	EnabledEvents  []string
	Description    string
	Status         string
	DisabledReason string
	Metadata       map[string]any
	Secrets        []Secret // newest first
	FailingSince   int64    // Unix ms of the first failure of the current failing streak; 0 = healthy
	CreatedAt      int64
	UpdatedAt      int64
	Headers        map[string]string
	// APIVersion, when set, is the API version deliveries to this endpoint are rendered in
	// (docs/versioning.md); "" follows each event's own (its account's when written).
	APIVersion string
	version    int64
}

// ActiveSecrets are the secrets deliveries are signed with at now, newest first.
func (e Endpoint) ActiveSecrets(now time.Time) []string {
	var out []string
	for _, s := range e.Secrets {
		if s.ExpiresAt == 0 || s.ExpiresAt > now.UnixMilli() {
			out = append(out, s.Value)
		}
	}
	return out
}

// Doc is the endpoint's API representation (without its secret).
func (e Endpoint) Doc() domain.Doc {
	ev := make([]any, len(e.EnabledEvents))
	for i, t := range e.EnabledEvents {
		ev[i] = t
	}
	md := e.Metadata
	if md == nil {
		md = map[string]any{}
	}
	return domain.Doc{
		"id": e.ID, "object": "webhook_endpoint", "livemode": e.Mode == domain.Live, "url": e.URL, "enabledEvents": ev,
		"description": core.NilIfEmpty(e.Description), "status": e.Status, "disabledReason": core.NilIfEmpty(e.DisabledReason),
		"metadata": md, "headers": headersDoc(e.Headers), "createdAt": e.CreatedAt, "updatedAt": e.UpdatedAt,
		"apiVersion": core.NilIfEmpty(e.APIVersion),
	}
}

func endpointPK(account, mode string) string { return "A#" + account + "#" + mode + "#WE" }
func deliveryPK(account, mode, endpoint string) string {
	return endpointPK(account, mode) + "#" + endpoint + "#WHD"
}

func (e Endpoint) item(account string) (map[string]types.AttributeValue, error) {
	secrets := make([]any, len(e.Secrets))
	for i, s := range e.Secrets {
		secrets[i] = map[string]any{"value": s.Value, "expiresAt": s.ExpiresAt}
	}
	d := e.Doc()
	d["failingSince"] = e.FailingSince
	return core.MarshalItem(d, map[string]types.AttributeValue{
		"PK": core.SV(endpointPK(account, e.Mode)), "SK": core.SV(e.ID), core.VersionAttr: core.N(e.version),
		"_secrets": mustAV(secrets),
	})
}

func mustAV(v any) types.AttributeValue {
	av, err := core.ToAV(v)
	if err != nil {
		panic(err) // only called on values built here from strings and ints
	}
	return av
}

func endpointFrom(item map[string]types.AttributeValue) Endpoint {
	d := core.UnmarshalDoc(item)
	e := Endpoint{ID: str(d["id"]), URL: str(d["url"]), Description: str(d["description"]), Status: str(d["status"]),
		DisabledReason: str(d["disabledReason"]), FailingSince: core.AsInt(d["failingSince"]), CreatedAt: core.AsInt(d["createdAt"]),
		UpdatedAt: core.AsInt(d["updatedAt"]), version: core.GetN(item, core.VersionAttr), Mode: domain.Test, APIVersion: str(d["apiVersion"])}
	if b, _ := d["livemode"].(bool); b {
		e.Mode = domain.Live
	}
	if m, ok := d["metadata"].(map[string]any); ok {
		e.Metadata = m
	}
	e.Headers = headersFrom(d["headers"])
	if l, ok := d["enabledEvents"].([]any); ok {
		for _, v := range l {
			e.EnabledEvents = append(e.EnabledEvents, str(v))
		}
	}
	if l, ok := core.FromAV(item["_secrets"]).([]any); ok {
		for _, v := range l {
			m, _ := v.(map[string]any)
			e.Secrets = append(e.Secrets, Secret{Value: str(m["value"]), ExpiresAt: core.AsInt(m["expiresAt"])})
		}
	}
	return e
}

// CreateEndpoint stores a new endpoint (ID, timestamps and version are set here).
func (s *Webhooks) CreateEndpoint(ctx context.Context, account string, e Endpoint) (Endpoint, error) {
	now := s.Now()
	e.ID = core.NewID("we", now)
	e.CreatedAt, e.UpdatedAt, e.version = now.UnixMilli(), now.UnixMilli(), 1
	item, err := e.item(account)
	if err != nil {
		return e, err
	}
	if _, err := s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)")}); err != nil {
		return e, fmt.Errorf("store: create webhook endpoint: %w", core.Contended(err))
	}
	return e, nil
}

// GetEndpoint reads one endpoint.
func (s *Webhooks) GetEndpoint(ctx context.Context, account, mode, id string) (Endpoint, error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"PK": core.SV(endpointPK(account, mode)), "SK": core.SV(id)}})
	if err != nil {
		return Endpoint{}, fmt.Errorf("store: get webhook endpoint %s: %w", id, err)
	}
	if out.Item == nil {
		return Endpoint{}, apperr.New(apperr.NotFound, "No such webhook_endpoint: %s", id)
	}
	return endpointFrom(out.Item), nil
}

// ListEndpoints lists an account's endpoints of one mode, oldest first.
func (s *Webhooks) ListEndpoints(ctx context.Context, account, mode string) ([]Endpoint, error) {
	var out []Endpoint
	var start map[string]types.AttributeValue
	for {
		res, err := s.DB.Query(ctx, &dynamodb.QueryInput{TableName: &s.Table, KeyConditionExpression: aws.String("PK = :pk"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": core.SV(endpointPK(account, mode))}, ExclusiveStartKey: start})
		if err != nil {
			return nil, fmt.Errorf("store: list webhook endpoints: %w", err)
		}
		for _, it := range res.Items {
			out = append(out, endpointFrom(it))
		}
		if res.LastEvaluatedKey == nil {
			return out, nil
		}
		start = res.LastEvaluatedKey
	}
}

// UpdateEndpoint changes an endpoint by read, mutate, conditional write (retried on contention).
func (s *Webhooks) UpdateEndpoint(ctx context.Context, account, mode, id string, mutate func(*Endpoint) error) (Endpoint, error) {
	for try := 0; ; try++ {
		e, err := s.GetEndpoint(ctx, account, mode, id)
		if err != nil {
			return e, err
		}
		prev := e.version
		if err := mutate(&e); err != nil {
			return e, err
		}
		e.UpdatedAt = max(s.Now().UnixMilli(), e.UpdatedAt+1)
		e.version = prev + 1
		item, err := e.item(account)
		if err != nil {
			return e, err
		}
		_, err = s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: item, ConditionExpression: aws.String("#v = :v"),
			ExpressionAttributeNames: map[string]string{"#v": core.VersionAttr}, ExpressionAttributeValues: map[string]types.AttributeValue{":v": core.N(prev)}})
		var ccf *types.ConditionalCheckFailedException
		if errors.As(err, &ccf) && try < 20 {
			continue
		}
		if err != nil {
			return e, fmt.Errorf("store: update webhook endpoint %s: %w", id, core.Contended(err))
		}
		return e, nil
	}
}

// DeleteEndpoint removes an endpoint (its deliveries expire with their TTL).
func (s *Webhooks) DeleteEndpoint(ctx context.Context, account, mode, id string) (Endpoint, error) {
	out, err := s.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.Table, ReturnValues: types.ReturnValueAllOld,
		Key: map[string]types.AttributeValue{"PK": core.SV(endpointPK(account, mode)), "SK": core.SV(id)}})
	if err != nil {
		return Endpoint{}, fmt.Errorf("store: delete webhook endpoint %s: %w", id, core.Contended(err))
	}
	if out.Attributes == nil {
		return Endpoint{}, apperr.New(apperr.NotFound, "No such webhook_endpoint: %s", id)
	}
	return endpointFrom(out.Attributes), nil
}

// MarkEndpointFailing starts a failing streak if none is running and returns its start.
func (s *Webhooks) MarkEndpointFailing(ctx context.Context, account, mode, id string, now time.Time) (int64, error) {
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table,
		Key:                       map[string]types.AttributeValue{"PK": core.SV(endpointPK(account, mode)), "SK": core.SV(id)},
		UpdateExpression:          aws.String("SET failingSince = :now"),
		ConditionExpression:       aws.String("attribute_exists(PK) AND (attribute_not_exists(failingSince) OR failingSince = :zero)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": core.N(now.UnixMilli()), ":zero": core.N(0)},
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		e, err := s.GetEndpoint(ctx, account, mode, id)
		return e.FailingSince, err
	}
	if err != nil {
		return 0, fmt.Errorf("store: mark webhook endpoint %s failing: %w", id, core.Contended(err))
	}
	return now.UnixMilli(), nil
}

// MarkEndpointHealthy ends a failing streak.
func (s *Webhooks) MarkEndpointHealthy(ctx context.Context, account, mode, id string) error {
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table,
		Key:                       map[string]types.AttributeValue{"PK": core.SV(endpointPK(account, mode)), "SK": core.SV(id)},
		UpdateExpression:          aws.String("SET failingSince = :zero"),
		ConditionExpression:       aws.String("attribute_exists(PK) AND failingSince > :zero"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":zero": core.N(0)},
	})
	var ccf *types.ConditionalCheckFailedException
	if err != nil && !errors.As(err, &ccf) {
		return fmt.Errorf("store: mark webhook endpoint %s healthy: %w", id, core.Contended(err))
	}
	return nil
}

// DisableEndpoint disables an enabled endpoint and emits webhook_endpoint.disabled in the same
// transaction. It reports false when the endpoint was not enabled (someone else got there first).
func (s *Webhooks) DisableEndpoint(ctx context.Context, account, mode, id, reason string) (bool, error) {
	e, err := s.GetEndpoint(ctx, account, mode, id)
	if err != nil {
		return false, err
	}
	if e.Status != EndpointEnabled {
		return false, nil
	}
	now := s.Now()
	prevVersion := e.version
	prev := domain.Doc{"status": e.Status, "disabledReason": nil}
	e.Status, e.DisabledReason, e.version = EndpointDisabled, reason, e.version+1
	e.UpdatedAt = max(now.UnixMilli(), e.UpdatedAt+1)
	item, err := e.item(account)
	if err != nil {
		return false, err
	}
	put := types.TransactWriteItem{Put: &types.Put{TableName: &s.Table, Item: item, ConditionExpression: aws.String("#v = :v"),
		ExpressionAttributeNames: map[string]string{"#v": core.VersionAttr}, ExpressionAttributeValues: map[string]types.AttributeValue{":v": core.N(prevVersion)}}}
	err = s.WriteWithEvents(ctx, domain.Tenant{Account: account, Mode: mode}, put, "webhook_endpoint.disabled", e.Doc(), prev, domain.Meta{}, now)
	if errors.Is(err, core.ErrConflict) {
		return s.DisableEndpoint(ctx, account, mode, id, reason)
	}
	return err == nil, err
}

// Attempt is one delivery attempt.
type Attempt struct {
	At           int64  // Unix ms
	DurationMs   int64  //
	StatusCode   int    // 0 when no response
	ResponseBody string // first 1 KB
	Error        string
}

// Delivery is one event's delivery to one endpoint.
type Delivery struct {
	ID         string
	Account    string
	Mode       string
	EndpointID string
	EventID    string
	EventType  string
	Status     string
	Attempts   []Attempt
	// RoundStartedAt and RoundFailures drive the retry schedule; a resend starts a new round.
	RoundStartedAt int64
	RoundFailures  int
	NextAttemptAt  int64 // Unix ms; 0 when not pending
	// DueAt is the time of the delivery's due entry (the sweeper's safety net or its retry), 0 if none.
	DueAt     int64
	CreatedAt int64
	UpdatedAt int64
}

// Doc is the delivery's API representation.
func (d Delivery) Doc() domain.Doc {
	attempts := make([]any, len(d.Attempts))
	for i, a := range d.Attempts {
		attempts[i] = map[string]any{"attemptedAt": a.At, "durationMs": a.DurationMs, "statusCode": nilIfZero(a.StatusCode),
			"responseBody": core.NilIfEmpty(a.ResponseBody), "error": core.NilIfEmpty(a.Error)}
	}
	return domain.Doc{"id": d.ID, "object": "webhook_delivery", "livemode": d.Mode == domain.Live, "webhookEndpointId": d.EndpointID,
		"eventId": d.EventID, "eventType": d.EventType, "status": d.Status, "attempts": attempts, "attemptCount": int64(len(d.Attempts)),
		"nextAttemptAt": nilIfZero(int(d.NextAttemptAt)), "createdAt": d.CreatedAt, "updatedAt": d.UpdatedAt}
}

func nilIfZero(v int) any {
	if v == 0 {
		return nil
	}
	return int64(v)
}

// DeliveryID is deterministic in (event, endpoint), so fanning an event out twice creates each
// delivery once; it sorts by the event's time.
func DeliveryID(eventID, endpointID string) string {
	sum := sha256.Sum256([]byte(eventID + "|" + endpointID))
	rest := core.IDFrom("whd", time.UnixMilli(0), byteReader(sum[:10]))
	timePart := eventID[len("evt_") : len("evt_")+10]
	return "whd_" + timePart + rest[len("whd_")+10:]
}

type byteReader []byte

func (b byteReader) Read(p []byte) (int, error) { return copy(p, b), nil }

// deliveryTTL keeps delivery history as long as the events it refers to.
const deliveryTTL = core.EventTTL

func (d Delivery) item() (map[string]types.AttributeValue, error) {
	doc := d.Doc()
	doc["roundStartedAt"], doc["roundFailures"], doc["dueAt"] = d.RoundStartedAt, int64(d.RoundFailures), d.DueAt
	return core.MarshalItem(doc, map[string]types.AttributeValue{
		"PK": core.SV(deliveryPK(d.Account, d.Mode, d.EndpointID)), "SK": core.SV(d.ID),
		"account": core.SV(d.Account), "ttl": core.N(time.UnixMilli(d.CreatedAt).Add(deliveryTTL).Unix()),
	})
}

func deliveryFrom(item map[string]types.AttributeValue) Delivery {
	x := core.UnmarshalDoc(item)
	d := Delivery{ID: str(x["id"]), Account: core.GetS(item, "account"), Mode: domain.Test, EndpointID: str(x["webhookEndpointId"]),
		EventID: str(x["eventId"]), EventType: str(x["eventType"]), Status: str(x["status"]),
		RoundStartedAt: core.AsInt(x["roundStartedAt"]), RoundFailures: int(core.AsInt(x["roundFailures"])),
		NextAttemptAt: core.AsInt(x["nextAttemptAt"]), DueAt: core.AsInt(x["dueAt"]), CreatedAt: core.AsInt(x["createdAt"]), UpdatedAt: core.AsInt(x["updatedAt"])}
	if b, _ := x["livemode"].(bool); b {
		d.Mode = domain.Live
	}
	if l, ok := x["attempts"].([]any); ok {
		for _, v := range l {
			m, _ := v.(map[string]any)
			d.Attempts = append(d.Attempts, Attempt{At: core.AsInt(m["attemptedAt"]), DurationMs: core.AsInt(m["durationMs"]),
				StatusCode: int(core.AsInt(m["statusCode"])), ResponseBody: str(m["responseBody"]), Error: str(m["error"])})
		}
	}
	return d
}

// Due returns the delivery's current due entry, nil if it has none.
func (d Delivery) Due() *Due {
	if d.DueAt == 0 {
		return nil
	}
	return &Due{At: d.DueAt, Account: d.Account, Mode: d.Mode, EndpointID: d.EndpointID, DeliveryID: d.ID, Attempt: len(d.Attempts)}
}

// Due is a delivery attempt waiting in DynamoDB for the sweeper.
type Due struct {
	At         int64 // Unix ms
	Account    string
	Mode       string
	EndpointID string
	DeliveryID string
	Attempt    int // the delivery's attempt count when scheduled (stale messages are dropped)
}

const dueShards = 4

func duePK(deliveryID string) string {
	return "WHDUE#" + strconv.Itoa(core.OutboxShard(deliveryID)%dueShards)
}

func dueSK(at int64, deliveryID string) string { return fmt.Sprintf("%013d#%s", at, deliveryID) }

func (d Due) key() map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"PK": core.SV(duePK(d.DeliveryID)), "SK": core.SV(dueSK(d.At, d.DeliveryID))}
}

func (d Due) item() map[string]types.AttributeValue {
	it := d.key()
	it["account"], it["mode"], it["endpointId"], it["deliveryId"], it["attempt"] = core.SV(d.Account), core.SV(d.Mode), core.SV(d.EndpointID), core.SV(d.DeliveryID), core.N(int64(d.Attempt))
	return it
}

// ErrStale reports that a delivery changed since it was read (another attempt recorded first).
var ErrStale = errors.New("store: delivery changed concurrently")

// SaveDelivery writes d if it still has prevAttempts attempts (-1: only if it does not exist yet),
// together with removing the due entry `done` and adding `next`, in one transaction.
func (s *Webhooks) SaveDelivery(ctx context.Context, d Delivery, prevAttempts int, done, next *Due) error {
	return s.saveDelivery(ctx, d, prevAttempts, done, next, "")
}

// SaveSucceeded is SaveDelivery for a delivery whose last attempt succeeded (no next attempt).
// With endFailingStreak it also ends its endpoint's failing streak in the same transaction, so
// recording a success and the endpoint's health is one write: nothing that could fail on its
// own follows a 2xx (docs/webhooks.md, "Delivered means recorded"). An endpoint deleted since
// it was read needs no health: the delivery is saved alone.
func (s *Webhooks) SaveSucceeded(ctx context.Context, d Delivery, prevAttempts int, done *Due, endFailingStreak bool) error {
	if !endFailingStreak {
		return s.saveDelivery(ctx, d, prevAttempts, done, nil, "")
	}
	err := s.saveDelivery(ctx, d, prevAttempts, done, nil, d.EndpointID)
	if errors.Is(err, errEndpointGone) {
		return s.saveDelivery(ctx, d, prevAttempts, done, nil, "")
	}
	return err
}

// errEndpointGone reports that the endpoint a delivery's transaction marked healthy was deleted.
var errEndpointGone = errors.New("store: webhook endpoint deleted")

// saveDelivery is SaveDelivery; a non-empty healthy names the endpoint whose failing streak the
// same transaction ends (its Update is the transaction's last item).
func (s *Webhooks) saveDelivery(ctx context.Context, d Delivery, prevAttempts int, done, next *Due, healthy string) error {
	d.UpdatedAt = max(s.Now().UnixMilli(), d.UpdatedAt)
	item, err := d.item()
	if err != nil {
		return err
	}
	put := &types.Put{TableName: &s.Table, Item: item}
	if prevAttempts < 0 {
		put.ConditionExpression = aws.String("attribute_not_exists(PK)")
	} else {
		put.ConditionExpression = aws.String("attemptCount = :n")
		put.ExpressionAttributeValues = map[string]types.AttributeValue{":n": core.N(int64(prevAttempts))}
	}
	items := []types.TransactWriteItem{{Put: put}}
	if done != nil && (next == nil || done.key()["SK"].(*types.AttributeValueMemberS).Value != next.key()["SK"].(*types.AttributeValueMemberS).Value) {
		items = append(items, types.TransactWriteItem{Delete: &types.Delete{TableName: &s.Table, Key: done.key()}})
	}
	if next != nil {
		items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: &s.Table, Item: next.item()}})
	}
	if healthy != "" {
		items = append(items, types.TransactWriteItem{Update: &types.Update{TableName: &s.Table,
			Key:                       map[string]types.AttributeValue{"PK": core.SV(endpointPK(d.Account, d.Mode)), "SK": core.SV(healthy)},
			UpdateExpression:          aws.String("SET failingSince = :zero"),
			ConditionExpression:       aws.String("attribute_exists(PK)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":zero": core.N(0)}}})
	}
	err = s.TransactWrite(ctx, items)
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) && len(tce.CancellationReasons) > 0 {
		reasons := tce.CancellationReasons
		if aws.ToString(reasons[0].Code) == "ConditionalCheckFailed" {
			return ErrStale
		}
		if healthy != "" && len(reasons) == len(items) && aws.ToString(reasons[len(items)-1].Code) == "ConditionalCheckFailed" {
			return errEndpointGone
		}
	}
	if err != nil {
		return fmt.Errorf("store: save delivery %s: %w", d.ID, err)
	}
	return nil
}

// GetDelivery reads one delivery of an endpoint.
func (s *Webhooks) GetDelivery(ctx context.Context, account, mode, endpointID, id string) (Delivery, error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"PK": core.SV(deliveryPK(account, mode, endpointID)), "SK": core.SV(id)}})
	if err != nil {
		return Delivery{}, fmt.Errorf("store: get delivery %s: %w", id, err)
	}
	if out.Item == nil || s.Expired(out.Item) {
		return Delivery{}, apperr.New(apperr.NotFound, "No such webhook_delivery: %s", id)
	}
	return deliveryFrom(out.Item), nil
}

// ListDeliveries lists an endpoint's deliveries newest first; status filters when non-empty.
func (s *Webhooks) ListDeliveries(ctx context.Context, account, mode, endpointID, status string, limit, skip int) ([]Delivery, error) {
	return s.ListDeliveriesFrom(ctx, account, mode, endpointID, status, limit, skip, "", "")
}

// ListDeliveriesFrom is ListDeliveries from a cursor: deliveries older than after, or newer than
// before (read oldest first from it, the page returned newest first).
func (s *Webhooks) ListDeliveriesFrom(ctx context.Context, account, mode, endpointID, status string, limit, skip int, after, before string) ([]Delivery, error) {
	out := []Delivery{}
	seen := 0
	lo, hi := core.SeekBounds("!", "\x7f", after, before) // ids are printable ASCII
	var start map[string]types.AttributeValue
	defer func() {
		if before != "" {
			for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
				out[i], out[j] = out[j], out[i]
			}
		}
	}()
	for {
		res, err := s.DB.Query(ctx, &dynamodb.QueryInput{TableName: &s.Table, KeyConditionExpression: aws.String("PK = :pk AND SK BETWEEN :lo AND :hi"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": core.SV(deliveryPK(account, mode, endpointID)), ":lo": core.SV(lo), ":hi": core.SV(hi)},
			ScanIndexForward:          aws.Bool(before != ""), ExclusiveStartKey: start})
		if err != nil {
			return nil, fmt.Errorf("store: list deliveries: %w", err)
		}
		for _, it := range res.Items {
			if s.Expired(it) || (status != "" && core.GetS(it, "status") != status) {
				continue
			}
			if seen >= skip {
				out = append(out, deliveryFrom(it))
				if len(out) >= limit {
					return out, nil
				}
			}
			seen++
		}
		if res.LastEvaluatedKey == nil {
			return out, nil
		}
		start = res.LastEvaluatedKey
	}
}

// DueBefore lists due attempts whose time has come, earliest first per shard.
func (s *Webhooks) DueBefore(ctx context.Context, now time.Time, limit int) ([]Due, error) {
	var out []Due
	for shard := 0; shard < dueShards && len(out) < limit; shard++ {
		res, err := s.DB.Query(ctx, &dynamodb.QueryInput{TableName: &s.Table, ConsistentRead: aws.Bool(true),
			KeyConditionExpression: aws.String("PK = :pk AND SK <= :now"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": core.SV("WHDUE#" + strconv.Itoa(shard)),
				":now": core.SV(fmt.Sprintf("%013d#~", now.UnixMilli()))},
			Limit: aws.Int32(int32(limit - len(out)))})
		if err != nil {
			return nil, fmt.Errorf("store: due deliveries: %w", err)
		}
		for _, it := range res.Items {
			at, _ := strconv.ParseInt(core.GetS(it, "SK")[:13], 10, 64)
			out = append(out, Due{At: at, Account: core.GetS(it, "account"), Mode: core.GetS(it, "mode"), EndpointID: core.GetS(it, "endpointId"),
				DeliveryID: core.GetS(it, "deliveryId"), Attempt: int(core.GetN(it, "attempt"))})
		}
	}
	return out, nil
}

// DeleteDue removes a due entry (after its message was enqueued).
func (s *Webhooks) DeleteDue(ctx context.Context, d Due) error {
	if _, err := s.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.Table, Key: d.key()}); err != nil {
		return fmt.Errorf("store: delete due delivery %s: %w", d.DeliveryID, core.Contended(err))
	}
	return nil
}
