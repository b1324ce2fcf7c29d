package webhookstore

// An endpoint's custom headers are kept in its item as a map of name to value, in the
// canonical form the API validated (shared/webhook/headers.go).

func headersDoc(h map[string]string) map[string]any {
	out := make(map[string]any, len(h))
	for k, v := range h {
		out[k] = v
	}
	return out
}

func headersFrom(v any) map[string]string {
	m, ok := v.(map[string]any)
	if !ok || len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = str(v)
	}
	return out
}
