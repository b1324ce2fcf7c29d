package api

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/auth"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/schema"
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
// a live request comes from the account's IP allowlist (console session keys excepted), and that a
// restricted key holds the permission the route needs: read for find and get, write for
// everything else.
//
// A read (find, get) that the key's permissions allow runs concurrently with those re-checks,
// which are DynamoDB reads, so they add no round trip to its latency: the handler's answer is
// returned only after they pass and is discarded when they fail (a read changes nothing). Both
// finish before the request returns, as Lambda requires. Writes run only after the checks.
func Permissions(st Access, now func() time.Time) Middleware {
	return func(route Route, next HandlerFunc) HandlerFunc {
		if route.Public {
			return next
		}
		need := auth.Needed(route.Action)
		return func(r *Request) (Response, error) {
			p, ip := r.Principal, r.Event.RequestContext.Identity.SourceIP
			var refused error
			if p.KeyType == auth.Restricted && !auth.Grants(p.Permissions[route.Resource], need) {
				refused = restrictedRefusal(route.Resource, need)
			}
			if need != auth.Read || refused != nil {
				if err := stillAllowed(r.Ctx, st, p, ip, now().UnixMilli()); err != nil {
					return Response{}, err
				}
				if refused != nil {
					return Response{}, refused
				}
				return next(r)
			}
			nowMs := now().UnixMilli()
			return Beside(r, func(ctx context.Context) error { return stillAllowed(ctx, st, p, ip, nowMs) }, next)
		}
	}
}

// Beside runs a read's handler and check concurrently, so a check that is a DynamoDB read adds
// no round trip to the read's latency. The handler's answer is returned only when check passes;
// check's error wins over it otherwise (a read changes nothing, so discarding it is enough). Use
// it for reads (find, get) only. check always ends before Beside returns, even on a panic of the
// handler: on Lambda, anything still running after the handler returns is frozen with the
// environment.
func Beside(r *Request, check func(ctx context.Context) error, next HandlerFunc) (Response, error) {
	checked := make(chan error, 1)
	go func(ctx context.Context) {
		defer func() {
			if v := recover(); v != nil {
				checked <- apperr.Internal(fmt.Errorf("check beside the handler: panic: %v", v))
			}
		}()
		checked <- check(ctx)
	}(r.Ctx)
	defer func() {
		if v := recover(); v != nil {
			<-checked
			panic(v)
		}
	}()
	resp, err := next(r)
	if cerr := <-checked; cerr != nil {
		return Response{}, cerr
	}
	return resp, err
}

// stillAllowed re-reads what a cached authorizer result may no longer reflect: the key's
// validity and, for a live API key, the account's IP allowlist.
func stillAllowed(ctx context.Context, st Access, p auth.Principal, ip string, nowMs int64) error {
	ok, err := keyValid(ctx, st, p, nowMs)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.New(apperr.Auth, "This API key was revoked or has expired.")
	}
	// Console session keys are exempt: the allowlist restricts API keys, and the console's
	// calls come from the console's own servers (Lambda's addresses on AWS), not the member's.
	if p.Mode == domain.Live && p.Session == "" {
		acct, err := st.GetAccount(ctx, p.AccountID)
		if err != nil {
			return err
		}
		if !IPAllowed(acct.IPAllowlist, ip) {
			return apperr.New(apperr.Permissions, "Requests from %s are not on this account's IP allowlist.", ip)
		}
	}
	return nil
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

// restrictedRefusal says what a restricted key lacks. Key management, account settings and the
// sandbox reset are no permission a restricted key can hold (auth.PlatformResources), so there
// "lacks read permission on api-keys" would send the reader to a grid that has no such row.
func restrictedRefusal(resource, need string) error {
	if _, clinical := schema.Lookup(resource); !clinical && !slices.Contains(auth.PlatformResources, resource) {
		return apperr.New(apperr.Permissions, "Restricted keys cannot use %s; use a secret key.", resource)
	}
	return apperr.New(apperr.Permissions, "This key lacks %s permission on %s.", need, resource)
}
