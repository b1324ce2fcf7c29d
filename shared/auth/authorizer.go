package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/hapihub/hapihub/shared/domain"
)

// KeyStore is what the authorizer reads.
type KeyStore interface {
	KeyByHash(ctx context.Context, hash string) (domain.Key, bool, error)
	GetAccount(ctx context.Context, id string) (domain.Account, error)
}

// Principal is who a request acts as, carried from the authorizer to functions in the
// authorizer context.
type Principal struct {
	AccountID   string
	Mode        string
	KeyID       string
	KeyType     string
	Permissions map[string]string
	// Session is the console member (email) when the key is a console session key, else empty.
	Session string
	// SessionKeyHash is a session key's hash (set only with Session): session keys have no
	// listing entry, so functions re-check them by their hash item (a logout deletes it).
	SessionKeyHash string
}

// ErrUnauthorized is the error whose message API Gateway turns into a 401 (UNAUTHORIZED
// gateway response). The message must be exactly "Unauthorized".
var ErrUnauthorized = errors.New("Unauthorized")

// Authorize resolves the Authorization header to a principal and the account's usage
// identifier key. Any failure is ErrUnauthorized (no hint whether the key exists).
func Authorize(ctx context.Context, ks KeyStore, header string, now time.Time) (Principal, string, error) {
	key, ok := ParseAuthorization(header)
	if !ok {
		return Principal{}, "", ErrUnauthorized
	}
	hash := Hash(key)
	k, found, err := ks.KeyByHash(ctx, hash)
	if err != nil {
		return Principal{}, "", fmt.Errorf("auth: %w", err)
	}
	if !found || !Matches(key, k.Hash) || k.Status != "active" || (k.ExpiresAt != 0 && now.UnixMilli() >= k.ExpiresAt) {
		return Principal{}, "", ErrUnauthorized
	}
	acct, err := ks.GetAccount(ctx, k.AccountID)
	if err != nil {
		return Principal{}, "", ErrUnauthorized
	}
	p := Principal{AccountID: k.AccountID, Mode: k.Mode, KeyID: k.ID, KeyType: k.Type, Permissions: k.Permissions, Session: k.Session}
	if k.Session != "" {
		p.SessionKeyHash = k.Hash
	}
	return p, acct.UsageKeys[k.Mode], nil
}

// Context turns a principal into the authorizer context (API Gateway allows only flat string,
// number and boolean values).
func (p Principal) Context() map[string]any {
	perms, _ := json.Marshal(p.Permissions)
	c := map[string]any{"accountId": p.AccountID, "mode": p.Mode, "keyId": p.KeyID, "keyType": p.KeyType, "permissions": string(perms)}
	if p.Session != "" {
		c["session"], c["sessionKeyHash"] = p.Session, p.SessionKeyHash
	}
	return c
}

// PrincipalFrom reads the authorizer context back. ok is false when it is missing, which means
// the function was reached without the authorizer.
func PrincipalFrom(ctx map[string]any) (Principal, bool) {
	get := func(k string) string { s, _ := ctx[k].(string); return s }
	p := Principal{AccountID: get("accountId"), Mode: get("mode"), KeyID: get("keyId"), KeyType: get("keyType"), Session: get("session")}
	if p.Session != "" {
		p.SessionKeyHash = get("sessionKeyHash")
	}
	if ps := get("permissions"); ps != "" && ps != "null" {
		_ = json.Unmarshal([]byte(ps), &p.Permissions)
	}
	if p.AccountID == "" || (p.Mode != domain.Test && p.Mode != domain.Live) {
		return Principal{}, false
	}
	return p, true
}

// policyResource widens a methodArn to every method and path of the stage, so API Gateway's
// cached policy for this key covers the key's later requests to other routes. A publishable key
// is allowed only POST /tokens: its cached policy denies everything else (ACCESS_DENIED, 403).
func policyResource(methodArn, keyType string) string {
	// arn:aws:execute-api:region:account:apiId/stage/METHOD/path...
	parts := strings.SplitN(methodArn, "/", 3)
	if len(parts) < 2 {
		return methodArn
	}
	if keyType == Publishable {
		return parts[0] + "/" + parts[1] + "/POST/tokens"
	}
	return parts[0] + "/" + parts[1] + "/*/*"
}

// Authorizer is the REQUEST authorizer Lambda handler.
type Authorizer struct {
	Keys KeyStore
	Now  func() time.Time
	Log  *slog.Logger
}

// Handle answers API Gateway.
func (a *Authorizer) Handle(ctx context.Context, req events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
	header := req.Headers["Authorization"]
	if header == "" {
		for k, v := range req.Headers {
			if strings.EqualFold(k, "authorization") {
				header = v
			}
		}
	}
	p, usageKey, err := Authorize(ctx, a.Keys, header, a.Now())
	if err != nil {
		if !errors.Is(err, ErrUnauthorized) {
			// A store failure must not look like a bad key to the caller's logs, nor succeed.
			a.Log.Error("authorizer failed", "err", err)
			return events.APIGatewayCustomAuthorizerResponse{}, errors.New("authorizer error")
		}
		return events.APIGatewayCustomAuthorizerResponse{}, ErrUnauthorized
	}
	return events.APIGatewayCustomAuthorizerResponse{
		PrincipalID: p.AccountID,
		PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{
			Version: "2012-10-17",
			Statement: []events.IAMPolicyStatement{{
				Action:   []string{"execute-api:Invoke"},
				Effect:   "Allow",
				Resource: []string{policyResource(req.MethodArn, p.KeyType)},
			}},
		},
		Context:            p.Context(),
		UsageIdentifierKey: usageKey,
	}, nil
}
