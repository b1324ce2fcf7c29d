package api

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/hapihub/hapihub/shared/auth"
)

// Saved responses are sealed (issue 16, finding 4): a saved response can hold a live secret key
// shown once (POST /api-keys, .../roll), and the table must hold nothing that authenticates.
// The body is encrypted with AES-256-GCM under a key derived from the API key the request
// presented (HMAC-SHA256 over account, mode and Idempotency-Key), which the table holds only as
// a hash: a retry presents the same API key and so can open it; a copy of the table cannot.
const sealedPrefix = "sealed:v1:"

// errSealedForAnotherKey: the saved response was sealed under another API key of the account.
var errSealedForAnotherKey = errors.New("api: idempotent response sealed under another API key")

func idemSealKey(r *Request, account, mode, idemKey string) ([]byte, bool) {
	key, ok := auth.ParseAuthorization(r.Header("Authorization"))
	if !ok || key == "" {
		return nil, false
	}
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte("hapihub idempotent response\x00" + account + "\x00" + mode + "\x00" + idemKey))
	return mac.Sum(nil), true
}

// sealBody encrypts a saved response body; without a presented API key (never the case behind the
// authorizer) it is kept as it is.
func sealBody(key []byte, body []byte) (string, error) {
	if key == nil {
		return string(body), nil
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return "", fmt.Errorf("api: seal response: %w", err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return "", fmt.Errorf("api: seal response: %w", err)
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("api: seal response: %w", err)
	}
	return sealedPrefix + base64.RawStdEncoding.EncodeToString(gcm.Seal(nonce, nonce, body, nil)), nil
}

// openBody is sealBody's inverse; a body that was never sealed is returned as it is.
func openBody(key []byte, stored string) ([]byte, error) {
	rest, sealed := strings.CutPrefix(stored, sealedPrefix)
	if !sealed {
		return []byte(stored), nil
	}
	if key == nil {
		return nil, errSealedForAnotherKey
	}
	raw, err := base64.RawStdEncoding.DecodeString(rest)
	if err != nil {
		return nil, fmt.Errorf("api: open saved response: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("api: open saved response: %w", err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil || len(raw) < gcm.NonceSize() {
		return nil, fmt.Errorf("api: open saved response: %w", errSealedForAnotherKey)
	}
	body, err := gcm.Open(nil, raw[:gcm.NonceSize()], raw[gcm.NonceSize():], nil)
	if err != nil {
		return nil, errSealedForAnotherKey
	}
	return body, nil
}
