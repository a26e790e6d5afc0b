package store

import (
	"encoding/json"

	bolt "go.etcd.io/bbolt"

	"xaso/app"
)

// PutSession stores a sign-in session on this PC and drops expired ones.
func (s *Store) PutSession(tokenHash string, sess app.Session) error {
	if s.keepSession(tokenHash, &sess) {
		return nil
	}
	raw, err := json.Marshal(sess)
	if err != nil {
		return err
	}
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bSessions)
		var expired [][]byte
		err := b.ForEach(func(k, v []byte) error {
			var old app.Session
			if json.Unmarshal(v, &old) != nil || old.Expires.Before(sess.Created) {
				expired = append(expired, append([]byte(nil), k...))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range expired {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return b.Put([]byte(tokenHash), raw)
	})
}

// Session returns a stored session.
func (s *Store) Session(tokenHash string) (app.Session, error) {
	if sess, ok := s.keptSession(tokenHash); ok {
		if sess == nil {
			return app.Session{}, notFound("phiên làm việc", "session")
		}
		return *sess, nil
	}
	var sess app.Session
	err := s.viewNow(func(tx *bolt.Tx) error {
		ok, err := getJSON(tx, bSessions, []byte(tokenHash), &sess)
		if err == nil && !ok {
			err = notFound("phiên làm việc", "session")
		}
		return err
	})
	return sess, err
}

// DeleteSession ends a session.
func (s *Store) DeleteSession(tokenHash string) error {
	if s.keepSession(tokenHash, nil) {
		return nil
	}
	return s.update(func(tx *bolt.Tx) error {
		return tx.Bucket(bSessions).Delete([]byte(tokenHash))
	})
}
