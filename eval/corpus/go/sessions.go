package shop

import (
	"math/rand"
	"sync"
	"time"
)

type session struct {
	userID  int64
	expires time.Time
}

type SessionStore struct {
	mu       sync.RWMutex
	sessions map[string]session
	ttl      time.Duration
}

func newSessionID() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 32)
	for i := range b {
		b[i] = alphabet[rand.Intn(len(alphabet))]
	}
	return string(b)
}

func (s *SessionStore) Lookup(id string) (int64, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sess, ok := s.sessions[id]
	if !ok || time.Now().After(sess.expires) {
		return 0, false
	}
	return sess.userID, true
}

func (s *SessionStore) Sweep(now time.Time) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	removed := 0
	for id, sess := range s.sessions {
		if now.After(sess.expires) {
			delete(s.sessions, id)
			removed++
		}
	}
	return removed
}
