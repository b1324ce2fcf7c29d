package consolefn

import (
	"context"
	"time"

	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/store/accountstore"
)

// identity is the console's Identity over the account store, as func values: the console links
// html/template, which makes the linker keep every exported method of any type reachable from an
// interface value, so the store itself behind console.Identity would bring all of its methods
// (keys, tokens, organizations...) into the binary (clients.Table says more).
type identity struct {
	createUser       func(ctx context.Context, u accountstore.User) error
	getUser          func(ctx context.Context, email string) (accountstore.User, error)
	deleteUser       func(ctx context.Context, email string) error
	addMember        func(ctx context.Context, m accountstore.Membership) error
	getMembership    func(ctx context.Context, account, email string) (accountstore.Membership, error)
	listMembers      func(ctx context.Context, account string) ([]accountstore.Membership, error)
	accountsOf       func(ctx context.Context, email string) ([]accountstore.Membership, error)
	setMemberRole    func(ctx context.Context, account, email, role string) (accountstore.Membership, error)
	removeMember     func(ctx context.Context, account, email string) error
	putSession       func(ctx context.Context, s accountstore.Session) error
	getSession       func(ctx context.Context, hash string) (accountstore.Session, error)
	setSessionMode   func(ctx context.Context, hash, mode string) error
	deleteSession    func(ctx context.Context, hash string) error
	putInvite        func(ctx context.Context, inv accountstore.Invite) error
	getInvite        func(ctx context.Context, hash string) (accountstore.Invite, error)
	consumeInvite    func(ctx context.Context, hash string) (accountstore.Invite, error)
	listInvites      func(ctx context.Context, account string) ([]accountstore.Invite, error)
	revokeInvite     func(ctx context.Context, account, hash string) error
	failedAttempts   func(ctx context.Context, scope string, window time.Duration) (int64, error)
	addFailedAttempt func(ctx context.Context, scope string, window time.Duration) (int64, error)
	forgetAttempt    func(ctx context.Context, scope string, window time.Duration) error
	putSessionKey    func(ctx context.Context, k domain.Key) error
	deleteSessionKey func(ctx context.Context, hash string) error
}

func newIdentity(a *accountstore.Accounts) identity {
	return identity{
		createUser:       a.CreateUser,
		getUser:          a.GetUser,
		deleteUser:       a.DeleteUser,
		addMember:        a.AddMember,
		getMembership:    a.GetMembership,
		listMembers:      a.ListMembers,
		accountsOf:       a.AccountsOf,
		setMemberRole:    a.SetMemberRole,
		removeMember:     a.RemoveMember,
		putSession:       a.PutSession,
		getSession:       a.GetSession,
		setSessionMode:   a.SetSessionMode,
		deleteSession:    a.DeleteSession,
		putInvite:        a.PutInvite,
		getInvite:        a.GetInvite,
		consumeInvite:    a.ConsumeInvite,
		listInvites:      a.ListInvites,
		revokeInvite:     a.RevokeInvite,
		failedAttempts:   a.FailedAttempts,
		addFailedAttempt: a.AddFailedAttempt,
		forgetAttempt:    a.ForgetAttempt,
		putSessionKey:    a.PutSessionKey,
		deleteSessionKey: a.DeleteSessionKey,
	}
}

func (i identity) CreateUser(ctx context.Context, u accountstore.User) error {
	return i.createUser(ctx, u)
}

func (i identity) GetUser(ctx context.Context, email string) (accountstore.User, error) {
	return i.getUser(ctx, email)
}

func (i identity) DeleteUser(ctx context.Context, email string) error {
	return i.deleteUser(ctx, email)
}

func (i identity) AddMember(ctx context.Context, m accountstore.Membership) error {
	return i.addMember(ctx, m)
}

func (i identity) GetMembership(ctx context.Context, account, email string) (accountstore.Membership, error) {
	return i.getMembership(ctx, account, email)
}

func (i identity) ListMembers(ctx context.Context, account string) ([]accountstore.Membership, error) {
	return i.listMembers(ctx, account)
}

func (i identity) AccountsOf(ctx context.Context, email string) ([]accountstore.Membership, error) {
	return i.accountsOf(ctx, email)
}

func (i identity) SetMemberRole(ctx context.Context, account, email, role string) (accountstore.Membership, error) {
	return i.setMemberRole(ctx, account, email, role)
}

func (i identity) RemoveMember(ctx context.Context, account, email string) error {
	return i.removeMember(ctx, account, email)
}

func (i identity) PutSession(ctx context.Context, s accountstore.Session) error {
	return i.putSession(ctx, s)
}

func (i identity) GetSession(ctx context.Context, hash string) (accountstore.Session, error) {
	return i.getSession(ctx, hash)
}

func (i identity) SetSessionMode(ctx context.Context, hash, mode string) error {
	return i.setSessionMode(ctx, hash, mode)
}

func (i identity) DeleteSession(ctx context.Context, hash string) error {
	return i.deleteSession(ctx, hash)
}

func (i identity) PutInvite(ctx context.Context, inv accountstore.Invite) error {
	return i.putInvite(ctx, inv)
}

func (i identity) GetInvite(ctx context.Context, hash string) (accountstore.Invite, error) {
	return i.getInvite(ctx, hash)
}

func (i identity) ConsumeInvite(ctx context.Context, hash string) (accountstore.Invite, error) {
	return i.consumeInvite(ctx, hash)
}

func (i identity) ListInvites(ctx context.Context, account string) ([]accountstore.Invite, error) {
	return i.listInvites(ctx, account)
}

func (i identity) RevokeInvite(ctx context.Context, account, hash string) error {
	return i.revokeInvite(ctx, account, hash)
}

func (i identity) FailedAttempts(ctx context.Context, scope string, window time.Duration) (int64, error) {
	return i.failedAttempts(ctx, scope, window)
}

func (i identity) AddFailedAttempt(ctx context.Context, scope string, window time.Duration) (int64, error) {
	return i.addFailedAttempt(ctx, scope, window)
}

func (i identity) ForgetAttempt(ctx context.Context, scope string, window time.Duration) error {
	return i.forgetAttempt(ctx, scope, window)
}

func (i identity) PutSessionKey(ctx context.Context, k domain.Key) error {
	return i.putSessionKey(ctx, k)
}

func (i identity) DeleteSessionKey(ctx context.Context, hash string) error {
	return i.deleteSessionKey(ctx, hash)
}
