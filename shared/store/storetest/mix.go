package storetest

import (
	"fmt"
	"math/rand/v2"
)

// FindMix is one query of the Feathers-style mix the Find benchmarks send, in process
// (shared/store BenchmarkFindMix) and over HTTP (infra/localtest BenchmarkFindMixHTTP): an
// externalId look-up, a dateOfBirth range sorted with an id tie-breaker, a name-sorted page in
// either direction, a surname sorted by first name, active patients newest first, or an $or.
// Array-form sorts, as the Feathers REST client sends them. pick returns a random patient
// (externalId, lastName, dateOfBirth as Unix ms).
func FindMix(r *rand.Rand, pick func() map[string]any) string {
	d := pick()
	switch r.IntN(6) {
	case 0:
		return "externalId=" + d["externalId"].(string)
	case 1:
		dob := d["dateOfBirth"].(int64)
		return fmt.Sprintf("dateOfBirth[$gte]=%d&dateOfBirth[$lt]=%d&$sort[0][dateOfBirth]=1&$sort[1][id]=1&$limit=10", dob, dob+400*24*3600*1000)
	case 2:
		return fmt.Sprintf("$sort[0][lastName]=%d&$sort[1][firstName]=%d&$limit=10", 1-2*r.IntN(2), 1-2*r.IntN(2))
	case 3:
		return "lastName=" + d["lastName"].(string) + "&$sort[0][firstName]=1&$limit=10"
	case 4:
		return "status=active&$sort[0][createdAt]=-1&$sort[1][id]=-1&$limit=10"
	}
	return fmt.Sprintf("$or[0][lastName]=%s&$or[1][externalId]=%s&$limit=10", d["lastName"], pick()["externalId"])
}

// SingleKey is the mix's baseline: a page of one surname.
func SingleKey(pick func() map[string]any) string {
	return "lastName=" + pick()["lastName"].(string) + "&$limit=10"
}
