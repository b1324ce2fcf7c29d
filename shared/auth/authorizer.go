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
	GetOrganization(ctx context.Context, id string) (domain.Doc, error)
	Connections(ctx context.Context, account string) ([]domain.Connection, error)
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
	// Account holds what the authorizer read of the key's account, so that functions need not
	// read the account again on every request; nil when the context lacks it (a context cached
	// from an older authorizer), and then functions read the account themselves.
	Account *AccountFacts
}

// AccountFacts are the account's settings a request needs before its handler runs. They travel
// in the authorizer context, which API Gateway caches with the policy for the authorizer's
// ReauthorizeEvery (300 s, template.yaml), so they may be that old: only what may lag that
// long is here (docs/keys.md, "What the authorizer context carries"). The IP allowlist and key
// revocation are not: those are read on every request, and so are live connections, which the
// context only lets a request start before they are read.
type AccountFacts struct {
	// APIVersion is the account's pinned API version as stored ("" = the first version).
	APIVersion string
	// SandboxOrg is the account's test-mode organization (set once at sign-up, never changed).
	SandboxOrg string
	// SandboxCapabilities are, in test mode, the sandbox organization's PMS capabilities
	// (resource -> methods); nil when unknown. A method missing here is checked against the
	// organization itself, so a capability can only be lagged in granting, never in refusing a
	// method the organization has gained.
	SandboxCapabilities map[string][]string
	// LiveConnections are, in live mode, the account's connections (organization and status)
	// when the authorizer ran; nil when unknown (or more than MaxContextConnections). The router
	// only picks the request's organization from them: the connections are read again beside a
	// read and before a write runs, and every refusal comes from that read (docs/keys.md).
	LiveConnections []domain.Connection
}

// MaxContextConnections bounds the connections carried in the authorizer context (API
// Gateway's context is a flat map sent with every request): an account with more is read by
// the function on each request.
const MaxContextConnections = 50

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
	if acct.SandboxOrg != "" {
		p.Account = &AccountFacts{APIVersion: acct.APIVersion, SandboxOrg: acct.SandboxOrg}
		if k.Mode == domain.Test {
			p.Account.SandboxCapabilities = sandboxCapabilities(ctx, ks, acct.SandboxOrg)
		} else {
			p.Account.LiveConnections = liveConnections(ctx, ks, k.AccountID)
		}
	}
	return p, acct.UsageKeys[k.Mode], nil
}

// sandboxCapabilities reads the sandbox organization's capabilities; nil when it cannot (the
// function then reads the organization itself, and reports a failure there).
func sandboxCapabilities(ctx context.Context, ks KeyStore, org string) map[string][]string {
	d, err := ks.GetOrganization(ctx, org)
	if err != nil {
		return nil
	}
	caps, _ := d["capabilities"].(map[string]any)
	out := make(map[string][]string, len(caps))
	for res, ms := range caps {
		list, _ := ms.([]any)
		methods := make([]string, 0, len(list))
		for _, m := range list {
			if s, ok := m.(string); ok {
				methods = append(methods, s)
			}
		}
		out[res] = methods
	}
	return out
}

// liveConnections reads the account's connections for the context; nil when it cannot or there
// are too many to carry (the function then reads them itself, before the handler).
func liveConnections(ctx context.Context, ks KeyStore, account string) []domain.Connection {
	conns, err := ks.Connections(ctx, account)
	if err != nil || len(conns) > MaxContextConnections {
		return nil
	}
	return append(make([]domain.Connection, 0, len(conns)), conns...) // none is known too: not nil
}

// Context turns a principal into the authorizer context (API Gateway allows only flat string,
// number and boolean values).
func (p Principal) Context() map[string]any {
	perms, _ := json.Marshal(p.Permissions)
	c := map[string]any{"accountId": p.AccountID, "mode": p.Mode, "keyId": p.KeyID, "keyType": p.KeyType, "permissions": string(perms)}
	if p.Session != "" {
		c["session"], c["sessionKeyHash"] = p.Session, p.SessionKeyHash
	}
	if a := p.Account; a != nil {
		c["apiVersion"], c["sandboxOrg"] = a.APIVersion, a.SandboxOrg
		if a.SandboxCapabilities != nil {
			caps, _ := json.Marshal(a.SandboxCapabilities)
			c["sandboxCapabilities"] = string(caps)
		}
		if a.LiveConnections != nil {
			pairs := make([][2]string, len(a.LiveConnections))
			for i, cn := range a.LiveConnections {
				pairs[i] = [2]string{cn.Org, cn.Status}
			}
			conns, _ := json.Marshal(pairs)
			c["liveConnections"] = string(conns)
		}
	}
	return c
}

// connectionsFrom reads the context's liveConnections back; nil when absent or unreadable.
func connectionsFrom(s string) []domain.Connection {
	var pairs [][2]string
	if s == "" || json.Unmarshal([]byte(s), &pairs) != nil || pairs == nil {
		return nil
	}
	out := make([]domain.Connection, len(pairs))
	for i, pr := range pairs {
		out[i] = domain.Connection{Org: pr[0], Status: pr[1]}
	}
	return out
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
	if org := get("sandboxOrg"); org != "" {
		p.Account = &AccountFacts{APIVersion: get("apiVersion"), SandboxOrg: org}
		if cs := get("sandboxCapabilities"); cs != "" {
			if err := json.Unmarshal([]byte(cs), &p.Account.SandboxCapabilities); err != nil {
				p.Account.SandboxCapabilities = nil // unreadable: the organization is read instead
			}
		}
		p.Account.LiveConnections = connectionsFrom(get("liveConnections"))
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
