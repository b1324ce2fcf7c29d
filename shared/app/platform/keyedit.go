package platform

import (
	"sort"
	"strings"

	"github.com/hapihub/hapihub/shared/api"
	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/auth"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store/accountstore"
)

// editKey is PATCH /api-keys/{id}: a key's name and note, and a restricted key's permissions
// (the guide: "A restricted key can also be rolled, or edited to change its level of access").
// permissions replaces the whole set, validated as on create; the authorizer's cached policy
// carries the old set until its TTL ends (docs/keys.md).
func (p *Platform) editKey(r *api.Request) (api.Response, error) {
	m, err := decodeObject(r.Body, "name", "note", "permissions")
	if err != nil {
		return api.Response{}, err
	}
	var e accountstore.KeyEdit
	var bad []apperr.FieldError
	var fe *apperr.FieldError
	if e.Name, fe = optString(m, "name", 100); fe != nil {
		bad = append(bad, *fe)
	} else if e.Name != nil && strings.TrimSpace(*e.Name) == "" {
		bad = append(bad, apperr.FieldError{Field: "name", Message: "cannot be empty"})
	}
	if e.Note, fe = optString(m, "note", 500); fe != nil {
		bad = append(bad, *fe)
	}
	if v, ok := m["note"]; ok && v == nil {
		empty := "" // null clears the note
		e.Note = &empty
	}
	_, permsGiven := m["permissions"]
	if permsGiven {
		raw, isObj := m["permissions"].(map[string]any)
		if !isObj {
			bad = append(bad, apperr.FieldError{Field: "permissions", Message: "must be an object of resource: none|read|write"})
		}
		perms, permErrs := auth.ValidatePermissions(raw, func(res string) bool { _, ok := schema.Lookup(res); return ok })
		for f, msg := range permErrs {
			bad = append(bad, apperr.FieldError{Field: f, Message: msg})
		}
		e.Permissions = perms
	}
	if len(bad) > 0 {
		sort.Slice(bad, func(i, j int) bool { return bad[i].Field < bad[j].Field })
		return api.Response{}, apperr.Invalid(bad...)
	}
	k, err := p.key(r)
	if err != nil {
		return api.Response{}, err
	}
	if permsGiven {
		switch {
		case k.Type != auth.Restricted:
			return api.Response{}, apperr.Field("permissions", "only restricted keys have permissions: a %s key's access is fixed (secret: everything of its mode; publishable: creating tokens)", k.Type)
		case k.Status == domain.KeyRevoked:
			return api.Response{}, apperr.Field("id", "this key is revoked; its permissions cannot change")
		}
	}
	k, err = p.Store.EditKey(r.Ctx, k, e)
	if err != nil {
		return api.Response{}, err
	}
	return api.Response{Body: KeyView(k, p.now(), "")}, nil
}
