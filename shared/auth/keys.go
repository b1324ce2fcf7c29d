// Package auth is API keys (generation, hashing, look-up), the Lambda authorizer's logic and the
// permissions of publishable and restricted keys.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"
)

// Key types.
const (
	Secret      = "secret"
	Publishable = "publishable"
	Restricted  = "restricted"
)

// Prefix returns a key's visible prefix for its type and mode: sk_test_, pk_live_, rk_test_, ...
func Prefix(keyType, mode string) string {
	return map[string]string{Secret: "sk", Publishable: "pk", Restricted: "rk"}[keyType] + "_" + mode + "_"
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// secretChars of base62 carry 32*log2(62) ≈ 190 bits, well over the 128 docs/decisions.md#keys-and-access asks for.
const secretChars = 32

// Generate returns a new random key with the given prefix.
func Generate(prefix string) (string, error) {
	var sb strings.Builder
	sb.WriteString(prefix)
	max := big.NewInt(int64(len(base62)))
	for range secretChars {
		i, err := rand.Int(rand.Reader, max)
		if err != nil {
			return "", fmt.Errorf("auth: generate key: %w", err)
		}
		sb.WriteByte(base62[i.Int64()])
	}
	return sb.String(), nil
}

// Hash is how a key is stored and looked up. Keys carry ~190 random bits, so a fast unsalted
// hash is safe (no dictionary to attack) and lets the authorizer find a key in one GetItem.
func Hash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// Matches compares a presented key with a stored hash in constant time.
func Matches(key, storedHash string) bool {
	h := Hash(key)
	return subtle.ConstantTimeCompare([]byte(h), []byte(storedHash)) == 1
}

// Last4 is the part of a key that may be shown after it is redacted.
func Last4(key string) string {
	if len(key) < 4 {
		return key
	}
	return key[len(key)-4:]
}

// Redact shows a key as its prefix, dots and last four characters.
func Redact(key string) string {
	i := strings.LastIndex(key, "_")
	return key[:i+1] + "..." + Last4(key)
}

// ParseAuthorization extracts the key from "Bearer KEY" or "ApiKey KEY" (Hubpay's scheme).
// Scheme names are case-insensitive, as RFC 9110 says.
func ParseAuthorization(h string) (string, bool) {
	scheme, key, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok {
		return "", false
	}
	key = strings.TrimSpace(key)
	if key == "" || strings.ContainsAny(key, " \t") {
		return "", false
	}
	switch strings.ToLower(scheme) {
	case "bearer", "apikey":
		return key, true
	}
	return "", false
}

// ModeOf returns the mode a key's prefix names ("test" or "live"), or "" when it has none.
func ModeOf(key string) string {
	switch {
	case strings.Contains(key, "_test_"):
		return "test"
	case strings.Contains(key, "_live_"):
		return "live"
	}
	return ""
}
