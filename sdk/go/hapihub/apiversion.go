package hapihub

import (
	"context"
	"net/http"
)

// APIVersionHeader names the API version on requests and responses.
const APIVersionHeader = "HapiHub-Version"

// WithAPIVersion pins the client to an API version (YYYY-MM-DD): every request sends
// HapiHub-Version, so the answers keep that version's shape whatever the account is pinned to.
// Pin the version your code was written against, and upgrade on purpose (docs/versioning.md).
func WithAPIVersion(v string) Option { return func(c *Client) { c.apiVersion = v } }

// setAPIVersion sends the client's pinned version unless the call names its own.
func (c *Client) setAPIVersion(h http.Header) {
	if c.apiVersion != "" && h.Get(APIVersionHeader) == "" {
		h.Set(APIVersionHeader, c.apiVersion)
	}
}

// ForAPIVersion sends HapiHub-Version for this call only (trying a newer version, say).
func ForAPIVersion(v string) RequestOption { return Header(APIVersionHeader, v) }

// APIVersion is the version the response was served in (HapiHub-Version).
func (r *Response) APIVersion() string { return r.Header.Get(APIVersionHeader) }

// APIVersion is the account's pinned version and the versions there are.
type APIVersion struct {
	Object string `json:"object"`
	// APIVersion is what requests without HapiHub-Version are served in, and events written in.
	APIVersion string   `json:"apiVersion"`
	Latest     string   `json:"latest"`
	Versions   []string `json:"versions"`
}

// APIVersion reads the version the account is pinned to.
func (s *AccountService) APIVersion(ctx context.Context, opts ...RequestOption) (*APIVersion, error) {
	var out APIVersion
	if err := s.c.do(ctx, http.MethodGet, "/account/api-version", "", nil, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}

// SetAPIVersion pins the account to another known version (an upgrade, or back); only a live
// secret key may. Requests without HapiHub-Version and new events use it from then on.
func (s *AccountService) SetAPIVersion(ctx context.Context, version string, opts ...RequestOption) (*APIVersion, error) {
	var out APIVersion
	if err := s.c.do(ctx, http.MethodPut, "/account/api-version", "", map[string]any{"apiVersion": version}, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}
