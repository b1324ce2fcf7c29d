package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
)

// Password hashing: argon2id with OWASP's second recommended setting (19 MiB, 2 passes, 1 lane),
// stored as a PHC string so the parameters can change without invalidating stored hashes.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024 // KiB
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16

	// MinPassword and MaxPassword bound a password's length (bytes). The maximum keeps a
	// hash request cheap to refuse.
	MinPassword = 10
	MaxPassword = 128
)

var b64 = base64.RawStdEncoding

// HashPassword returns the PHC string of password with a fresh salt.
func HashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("console: salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches a PHC string made by HashPassword (with
// whatever parameters it records). A malformed hash never matches.
func CheckPassword(phc, password string) bool {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	var mem, iters uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &iters, &threads); err != nil || mem == 0 || iters == 0 || threads == 0 {
		return false
	}
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, iters, mem, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is what a login for an email without a user checks the password against, so the
// answer takes as long as for a wrong password and timing does not tell which emails have
// users. Made on first use: a cold start does not pay for an argon2 run it may not need.
var dummyHash = sync.OnceValue(func() string {
	h, err := HashPassword("no user has this password")
	if err != nil {
		// rand.Read does not fail on supported platforms; a hash that never matches still
		// costs nothing, so logins keep working.
		return ""
	}
	return h
})
