package argon2id

import (
	"strings"
	"testing"
)

func TestHashVerify(t *testing.T) {
	h := Hasher{MemoryKiB: 1024, Time: 1, Threads: 1}
	hash, err := h.Hash("mật khẩu đúng")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("hash %q: not a PHC argon2id string", hash)
	}
	other, _ := h.Hash("mật khẩu đúng")
	if other == hash {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
	cases := []struct {
		hash, pw string
		want     bool
	}{
		{hash, "mật khẩu đúng", true},
		{hash, "mat khau dung", false},
		{hash, "", false},
		{strings.Replace(hash, "argon2id", "argon2i", 1), "mật khẩu đúng", false},
		{hash[:len(hash)-4], "mật khẩu đúng", false},
		{"$argon2id$v=19$m=0,t=1,p=1$AAAA$AAAA", "x", false},
		{"garbage", "x", false},
	}
	for i, c := range cases {
		if got := h.Verify(c.hash, c.pw); got != c.want {
			t.Errorf("case %d: Verify = %v, want %v", i, got, c.want)
		}
	}
	// Parameters travel with the hash: a hasher with other defaults still verifies.
	if !Default().Verify(hash, "mật khẩu đúng") {
		t.Error("verification depends on the hasher's own parameters")
	}
}
