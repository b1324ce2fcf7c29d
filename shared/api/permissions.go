package api

import (
	"context"
	"net/netip"
	"time"

	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/auth"
	"github.com/hapihub/hapihub/shared/domain"
)

// Access is what the permissions middleware reads.
type Access interface {
	GetAccount(ctx context.Context, id string) (domain.Account, error)
	KeyRefOf(ctx context.Context, account, mode, id string) (domain.KeyRef, bool, error)
	KeyByHash(ctx context.Context, hash string) (domain.Key, bool, error)
}

// keyValid re-reads the principal's key: its listing entry, or for a console session key (which
// has none) its hash item, which logout deletes.
func keyValid(ctx context.Context, st Access, p auth.Principal, nowMs int64) (bool, error) {
	if p.Session != "" {
		k, ok, err := st.KeyByHash(ctx, p.SessionKeyHash)
		if err != nil || !ok {
			return false, err
		}
		ref := domain.KeyRef{ID: k.ID, Status: k.Status, ExpiresAt: k.ExpiresAt}
		return k.ID == p.KeyID && k.AccountID == p.AccountID && k.Session == p.Session && ref.Valid(nowMs), nil
	}
	ref, ok, err := st.KeyRefOf(ctx, p.AccountID, p.Mode, p.KeyID)
	return ok && ref.Valid(nowMs), err
}

// Permissions checks, for every authenticated route and in this order, that the key is still
// valid (the gateway's cached authorizer policy may outlive a revocation or a roll's grace), that
// a live request comes from the account's IP allowlist (console session keys excepted), and that a restricted key holds the
// permission the route needs: read for find and get, write for everything else.
func Permissions(st Access, now func() time.Time) Middleware {
	return func(route Route, next HandlerFunc) HandlerFunc {
		if route.Public {
			return next
		}
		need := auth.Needed(route.Action)
		return func(r *Request) (Response, error) {
			p := r.Principal
			ok, err := keyValid(r.Ctx, st, p, now().UnixMilli())
			if err != nil {
				return Response{}, err
			}
			if !ok {
				return Response{}, apperr.New(apperr.Auth, "This API key was revoked or has expired.")
			}
			// Console session keys are exempt: the allowlist restricts API keys, and the console's
			// calls come from the console's own servers (Lambda's addresses on AWS), not the member's.
			if p.Mode == domain.Live && p.Session == "" {
				acct, err := st.GetAccount(r.Ctx, p.AccountID)
				if err != nil {
					return Response{}, err
				}
				ip := r.Event.RequestContext.Identity.SourceIP
				if !IPAllowed(acct.IPAllowlist, ip) {
					return Response{}, apperr.New(apperr.Permissions, "Requests from %s are not on this account's IP allowlist.", ip)
				}
			}
			if p.KeyType == auth.Restricted && !auth.Grants(p.Permissions[route.Resource], need) {
				return Response{}, apperr.New(apperr.Permissions, "This key lacks %s permission on %s.", need, route.Resource)
			}
			return next(r)
		}
	}
}

// IPAllowed reports whether ip is in one of cidrs; an empty list allows every address.
// IPv4-mapped IPv6 addresses match IPv4 ranges.
func IPAllowed(cidrs []string, ip string) bool {
	if len(cidrs) == 0 {
		return true
	}
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	addr = addr.Unmap()
	for _, c := range cidrs {
		if p, err := netip.ParsePrefix(c); err == nil && p.Contains(addr) {
			return true
		}
	}
	return false
}
