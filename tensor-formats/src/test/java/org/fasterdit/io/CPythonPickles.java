package org.fasterdit.io;

import java.util.Base64;

/**
 * Pickles produced by CPython 3 (pickle.Pickler with persistent_id) for protocols 0-5, using
 * stand-in torch classes with the same module/qualified names torch uses, so the opcode streams
 * match what torch.save emits. Generated once by a small Python script; kept inline (base64) so the
 * tests do not depend on Python.
 *
 * <p>CKPT = {"model": OrderedDict(w=T(s0,0,[2,3],[3,1]), wT=T(s0,0,[3,2],[1,3]),
 * row1=T(s0,3,[3],[1]), p=Parameter(T(s1,0,[3],[1]))) with _metadata, "args": Namespace(lr=1e-4,
 * name="dit", steps=10, flags=[True,False,None], big=2**70, neg=-5, b=b"\x00\xffab", t=(1,2.5,"x"),
 * st={1,2}), "step": 1234, "nested": [{"a": (1,)}, "u\u00e9\u4e2d\U0001F600"]}; s0 = FloatStorage
 * key "0" numel 6, s1 = LongStorage key "1" numel 3.
 *
 * <p>PLAIN = {"ints": [0,1,-1,255,256,65535,65536,-2**31,2**31,2**63-1,-2**63,2**70,-2**70],
 * "floats": [0.5,-1e300,inf], "bools": (True,False), "none": None, "text": "u\u00e9\u4e2d\U0001F600
 * \"q\" \\ \n", "bytes": b"\x00\xffab", "od": OrderedDict(z=1,a=2), "set": {3}, "fs":
 * frozenset({4}), "nested": [[],{},(),(1,),(1,2),(1,2,3),(1,2,3,4)], (1,"k"): "tuplekey"}.
 *
 * <p>NS_PROTO1 = the Namespace pickled with protocol 1 (uses copy_reg._reconstructor).
 */
final class CPythonPickles {
  private CPythonPickles() {}

  static byte[] ckpt(int protocol) {
    return decode(
        switch (protocol) {
          case 2 -> CKPT2;
          case 3 -> CKPT3;
          case 4 -> CKPT4;
          case 5 -> CKPT5;
          default -> throw new IllegalArgumentException("no ckpt pickle for " + protocol);
        });
  }

  static byte[] plain(int protocol) {
    return decode(PLAIN[protocol]);
  }

  static byte[] nsProto1() {
    return decode(NS_PROTO1);
  }

  private static byte[] decode(String[] parts) {
    return Base64.getDecoder().decode(String.join("", parts));
  }

  private static final String[] CKPT2 = {
    "gAJ9cQAoWAUAAABtb2RlbHEBY2NvbGxlY3Rpb25zCk9yZGVyZWREaWN0CnECKVJxAyhYAQAAAHdxBGN0",
    "b3JjaC5fdXRpbHMKX3JlYnVpbGRfdGVuc29yX3YyCnEFKChYBwAAAHN0b3JhZ2VxBmN0b3JjaApGbG9h",
    "dFN0b3JhZ2UKcQdYAQAAADBxCFgDAAAAY3B1cQlLBnRxClFLAEsCSwOGcQtLA0sBhnEMiWgCKVJxDXRx",
    "DlJxD1gCAAAAd1RxEGgFKChoBmgHaAhoCUsGdHERUUsASwNLAoZxEksBSwOGcROJaAIpUnEUdHEVUnEW",
    "WAQAAAByb3cxcRdoBSgoaAZoB2gIaAlLBnRxGFFLA0sDhXEZSwGFcRqJaAIpUnEbdHEcUnEdWAEAAABw",
    "cR5jdG9yY2guX3V0aWxzCl9yZWJ1aWxkX3BhcmFtZXRlcgpxH2gFKChoBmN0b3JjaApMb25nU3RvcmFn",
    "ZQpxIFgBAAAAMXEhaAlLA3RxIlFLAEsDhXEjSwGFcSSJaAIpUnEldHEmUnEniGgCKVJxKIdxKVJxKnV9",
    "cStYCQAAAF9tZXRhZGF0YXEsaAIpUnEtWAAAAABxLn1xL1gHAAAAdmVyc2lvbnEwSwFzc3NiWAQAAABh",
    "cmdzcTFjYXJncGFyc2UKTmFtZXNwYWNlCnEyKYFxM31xNChYAgAAAGxycTVHPxo24uscQy1YBAAAAG5h",
    "bWVxNlgDAAAAZGl0cTdYBQAAAHN0ZXBzcThLClgFAAAAZmxhZ3NxOV1xOiiIiU5lWAMAAABiaWdxO4oJ",
    "AAAAAAAAAABAWAMAAABuZWdxPEr7////WAEAAABicT1jX2NvZGVjcwplbmNvZGUKcT5YBQAAAADDv2Fi",
    "cT9YBgAAAGxhdGluMXFAhnFBUnFCWAEAAAB0cUNLAUdABAAAAAAAAFgBAAAAeHFEh3FFWAIAAABzdHFG",
    "Y19fYnVpbHRpbl9fCnNldApxR11xSChLAUsCZYVxSVJxSnViWAQAAABzdGVwcUtN0gRYBgAAAG5lc3Rl",
    "ZHFMXXFNKH1xTlgBAAAAYXFPSwGFcVBzWAoAAAB1w6nkuK3wn5iAcVFldS4=",
  };

  private static final String[] CKPT3 = {
    "gAN9cQAoWAUAAABtb2RlbHEBY2NvbGxlY3Rpb25zCk9yZGVyZWREaWN0CnECKVJxAyhYAQAAAHdxBGN0",
    "b3JjaC5fdXRpbHMKX3JlYnVpbGRfdGVuc29yX3YyCnEFKChYBwAAAHN0b3JhZ2VxBmN0b3JjaApGbG9h",
    "dFN0b3JhZ2UKcQdYAQAAADBxCFgDAAAAY3B1cQlLBnRxClFLAEsCSwOGcQtLA0sBhnEMiWgCKVJxDXRx",
    "DlJxD1gCAAAAd1RxEGgFKChoBmgHaAhoCUsGdHERUUsASwNLAoZxEksBSwOGcROJaAIpUnEUdHEVUnEW",
    "WAQAAAByb3cxcRdoBSgoaAZoB2gIaAlLBnRxGFFLA0sDhXEZSwGFcRqJaAIpUnEbdHEcUnEdWAEAAABw",
    "cR5jdG9yY2guX3V0aWxzCl9yZWJ1aWxkX3BhcmFtZXRlcgpxH2gFKChoBmN0b3JjaApMb25nU3RvcmFn",
    "ZQpxIFgBAAAAMXEhaAlLA3RxIlFLAEsDhXEjSwGFcSSJaAIpUnEldHEmUnEniGgCKVJxKIdxKVJxKnV9",
    "cStYCQAAAF9tZXRhZGF0YXEsaAIpUnEtWAAAAABxLn1xL1gHAAAAdmVyc2lvbnEwSwFzc3NiWAQAAABh",
    "cmdzcTFjYXJncGFyc2UKTmFtZXNwYWNlCnEyKYFxM31xNChYAgAAAGxycTVHPxo24uscQy1YBAAAAG5h",
    "bWVxNlgDAAAAZGl0cTdYBQAAAHN0ZXBzcThLClgFAAAAZmxhZ3NxOV1xOiiIiU5lWAMAAABiaWdxO4oJ",
    "AAAAAAAAAABAWAMAAABuZWdxPEr7////WAEAAABicT1DBAD/YWJxPlgBAAAAdHE/SwFHQAQAAAAAAABY",
    "AQAAAHhxQIdxQVgCAAAAc3RxQmNidWlsdGlucwpzZXQKcUNdcUQoSwFLAmWFcUVScUZ1YlgEAAAAc3Rl",
    "cHFHTdIEWAYAAABuZXN0ZWRxSF1xSSh9cUpYAQAAAGFxS0sBhXFMc1gKAAAAdcOp5Lit8J+YgHFNZXUu",
  };

  private static final String[] CKPT4 = {
    "gASVWgIAAAAAAAB9lCiMBW1vZGVslIwLY29sbGVjdGlvbnOUjAtPcmRlcmVkRGljdJSTlClSlCiMAXeU",
    "jAx0b3JjaC5fdXRpbHOUjBJfcmVidWlsZF90ZW5zb3JfdjKUk5QoKIwHc3RvcmFnZZSMBXRvcmNolIwM",
    "RmxvYXRTdG9yYWdllJOUjAEwlIwDY3B1lEsGdJRRSwBLAksDhpRLA0sBhpSJaAQpUpR0lFKUjAJ3VJRo",
    "CSgoaApoDWgOaA9LBnSUUUsASwNLAoaUSwFLA4aUiWgEKVKUdJRSlIwEcm93MZRoCSgoaApoDWgOaA9L",
    "BnSUUUsDSwOFlEsBhZSJaAQpUpR0lFKUjAFwlGgHjBJfcmVidWlsZF9wYXJhbWV0ZXKUk5RoCSgoaApo",
    "C4wLTG9uZ1N0b3JhZ2WUk5SMATGUaA9LA3SUUUsASwOFlEsBhZSJaAQpUpR0lFKUiGgEKVKUh5RSlHV9",
    "lIwJX21ldGFkYXRhlGgEKVKUjACUfZSMB3ZlcnNpb26USwFzc3NijARhcmdzlIwIYXJncGFyc2WUjAlO",
    "YW1lc3BhY2WUk5QpgZR9lCiMAmxylEc/Gjbi6xxDLYwEbmFtZZSMA2RpdJSMBXN0ZXBzlEsKjAVmbGFn",
    "c5RdlCiIiU5ljANiaWeUigkAAAAAAAAAAECMA25lZ5RK+////4wBYpRDBAD/YWKUjAF0lEsBR0AEAAAA",
    "AAAAjAF4lIeUjAJzdJSPlChLAUsCkHVijARzdGVwlE3SBIwGbmVzdGVklF2UKH2UjAFhlEsBhZRzjAp1",
    "w6nkuK3wn5iAlGV1Lg==",
  };

  private static final String[] CKPT5 = {
    "gAWVWgIAAAAAAAB9lCiMBW1vZGVslIwLY29sbGVjdGlvbnOUjAtPcmRlcmVkRGljdJSTlClSlCiMAXeU",
    "jAx0b3JjaC5fdXRpbHOUjBJfcmVidWlsZF90ZW5zb3JfdjKUk5QoKIwHc3RvcmFnZZSMBXRvcmNolIwM",
    "RmxvYXRTdG9yYWdllJOUjAEwlIwDY3B1lEsGdJRRSwBLAksDhpRLA0sBhpSJaAQpUpR0lFKUjAJ3VJRo",
    "CSgoaApoDWgOaA9LBnSUUUsASwNLAoaUSwFLA4aUiWgEKVKUdJRSlIwEcm93MZRoCSgoaApoDWgOaA9L",
    "BnSUUUsDSwOFlEsBhZSJaAQpUpR0lFKUjAFwlGgHjBJfcmVidWlsZF9wYXJhbWV0ZXKUk5RoCSgoaApo",
    "C4wLTG9uZ1N0b3JhZ2WUk5SMATGUaA9LA3SUUUsASwOFlEsBhZSJaAQpUpR0lFKUiGgEKVKUh5RSlHV9",
    "lIwJX21ldGFkYXRhlGgEKVKUjACUfZSMB3ZlcnNpb26USwFzc3NijARhcmdzlIwIYXJncGFyc2WUjAlO",
    "YW1lc3BhY2WUk5QpgZR9lCiMAmxylEc/Gjbi6xxDLYwEbmFtZZSMA2RpdJSMBXN0ZXBzlEsKjAVmbGFn",
    "c5RdlCiIiU5ljANiaWeUigkAAAAAAAAAAECMA25lZ5RK+////4wBYpRDBAD/YWKUjAF0lEsBR0AEAAAA",
    "AAAAjAF4lIeUjAJzdJSPlChLAUsCkHVijARzdGVwlE3SBIwGbmVzdGVklF2UKH2UjAFhlEsBhZRzjAp1",
    "w6nkuK3wn5iAlGV1Lg==",
  };

  private static final String[] NS_PROTO1 = {
    "Y2NvcHlfcmVnCl9yZWNvbnN0cnVjdG9yCnEAKGNhcmdwYXJzZQpOYW1lc3BhY2UKcQFjX19idWlsdGlu",
    "X18Kb2JqZWN0CnECTnRxA1JxBH1xBShYAgAAAGxycQZHPxo24uscQy1YBAAAAG5hbWVxB1gDAAAAZGl0",
    "cQhYBQAAAHN0ZXBzcQlLClgFAAAAZmxhZ3NxCl1xCyhJMDEKSTAwCk5lWAMAAABiaWdxDEwxMTgwNTkx",
    "NjIwNzE3NDExMzAzNDI0TApYAwAAAG5lZ3ENSvv///9YAQAAAGJxDmNfY29kZWNzCmVuY29kZQpxDyhY",
    "BQAAAADDv2FicRBYBgAAAGxhdGluMXERdHESUnETWAEAAAB0cRQoSwFHQAQAAAAAAABYAQAAAHhxFXRx",
    "FlgCAAAAc3RxF2NfX2J1aWx0aW5fXwpzZXQKcRgoXXEZKEsBSwJldHEaUnEbdWIu",
  };

  private static final String[] PLAIN_0 = {
    "KGRwMApWaW50cwpwMQoobHAyCkkwCmFJMQphSS0xCmFJMjU1CmFJMjU2CmFJNjU1MzUKYUk2NTUzNgph",
    "SS0yMTQ3NDgzNjQ4CmFMMjE0NzQ4MzY0OEwKYUw5MjIzMzcyMDM2ODU0Nzc1ODA3TAphTC05MjIzMzcy",
    "MDM2ODU0Nzc1ODA4TAphTDExODA1OTE2MjA3MTc0MTEzMDM0MjRMCmFMLTExODA1OTE2MjA3MTc0MTEz",
    "MDM0MjRMCmFzVmZsb2F0cwpwMwoobHA0CkYwLjUKYUYtMWUrMzAwCmFGaW5mCmFzVmJvb2xzCnA1CihJ",
    "MDEKSTAwCnRwNgpzVm5vbmUKcDcKTnNWdGV4dApwOApWdelcdTRlMmRcVTAwMDFmNjAwICJxIiBcdTAw",
    "NWMgXHUwMDBhCnA5CnNWYnl0ZXMKcDEwCmNfY29kZWNzCmVuY29kZQpwMTEKKFZcdTAwMDD/YWIKcDEy",
    "ClZsYXRpbjEKcDEzCnRwMTQKUnAxNQpzVm9kCnAxNgpjY29sbGVjdGlvbnMKT3JkZXJlZERpY3QKcDE3",
    "Cih0UnAxOApWegpwMTkKSTEKc1ZhCnAyMApJMgpzc1ZzZXQKcDIxCmNfX2J1aWx0aW5fXwpzZXQKcDIy",
    "CigobHAyMwpJMwphdHAyNApScDI1CnNWZnMKcDI2CmNfX2J1aWx0aW5fXwpmcm96ZW5zZXQKcDI3Cigo",
    "bHAyOApJNAphdHAyOQpScDMwCnNWbmVzdGVkCnAzMQoobHAzMgoobHAzMwphKGRwMzQKYSh0YShJMQp0",
    "cDM1CmEoSTEKSTIKdHAzNgphKEkxCkkyCkkzCnRwMzcKYShJMQpJMgpJMwpJNAp0cDM4CmFzKEkxClZr",
    "CnAzOQp0cDQwClZ0dXBsZWtleQpwNDEKcy4=",
  };

  private static final String[] PLAIN_1 = {
    "fXEAKFgEAAAAaW50c3EBXXECKEsASwFK/////0v/TQABTf//SgAAAQBKAAAAgEwyMTQ3NDgzNjQ4TApM",
    "OTIyMzM3MjAzNjg1NDc3NTgwN0wKTC05MjIzMzcyMDM2ODU0Nzc1ODA4TApMMTE4MDU5MTYyMDcxNzQx",
    "MTMwMzQyNEwKTC0xMTgwNTkxNjIwNzE3NDExMzAzNDI0TAplWAYAAABmbG9hdHNxA11xBChHP+AAAAAA",
    "AABH/jfkPIgAdZxHf/AAAAAAAABlWAUAAABib29sc3EFKEkwMQpJMDAKdHEGWAQAAABub25lcQdOWAQA",
    "AAB0ZXh0cQhYEgAAAHXDqeS4rfCfmIAgInEiIFwgCnEJWAUAAABieXRlc3EKY19jb2RlY3MKZW5jb2Rl",
    "CnELKFgFAAAAAMO/YWJxDFgGAAAAbGF0aW4xcQ10cQ5ScQ9YAgAAAG9kcRBjY29sbGVjdGlvbnMKT3Jk",
    "ZXJlZERpY3QKcREpUnESKFgBAAAAenETSwFYAQAAAGFxFEsCdVgDAAAAc2V0cRVjX19idWlsdGluX18K",
    "c2V0CnEWKF1xF0sDYXRxGFJxGVgCAAAAZnNxGmNfX2J1aWx0aW5fXwpmcm96ZW5zZXQKcRsoXXEcSwRh",
    "dHEdUnEeWAYAAABuZXN0ZWRxH11xIChdcSF9cSIpKEsBdHEjKEsBSwJ0cSQoSwFLAksDdHElKEsBSwJL",
    "A0sEdHEmZShLAVgBAAAAa3EndHEoWAgAAAB0dXBsZWtleXEpdS4=",
  };

  private static final String[] PLAIN_2 = {
    "gAJ9cQAoWAQAAABpbnRzcQFdcQIoSwBLAUr/////S/9NAAFN//9KAAABAEoAAACAigUAAACAAIoI////",
    "/////3+KCAAAAAAAAACAigkAAAAAAAAAAECKCQAAAAAAAAAAwGVYBgAAAGZsb2F0c3EDXXEEKEc/4AAA",
    "AAAAAEf+N+Q8iAB1nEd/8AAAAAAAAGVYBQAAAGJvb2xzcQWIiYZxBlgEAAAAbm9uZXEHTlgEAAAAdGV4",
    "dHEIWBIAAAB1w6nkuK3wn5iAICJxIiBcIApxCVgFAAAAYnl0ZXNxCmNfY29kZWNzCmVuY29kZQpxC1gF",
    "AAAAAMO/YWJxDFgGAAAAbGF0aW4xcQ2GcQ5ScQ9YAgAAAG9kcRBjY29sbGVjdGlvbnMKT3JkZXJlZERp",
    "Y3QKcREpUnESKFgBAAAAenETSwFYAQAAAGFxFEsCdVgDAAAAc2V0cRVjX19idWlsdGluX18Kc2V0CnEW",
    "XXEXSwNhhXEYUnEZWAIAAABmc3EaY19fYnVpbHRpbl9fCmZyb3plbnNldApxG11xHEsEYYVxHVJxHlgG",
    "AAAAbmVzdGVkcR9dcSAoXXEhfXEiKUsBhXEjSwFLAoZxJEsBSwJLA4dxJShLAUsCSwNLBHRxJmVLAVgB",
    "AAAAa3EnhnEoWAgAAAB0dXBsZWtleXEpdS4=",
  };

  private static final String[] PLAIN_3 = {
    "gAN9cQAoWAQAAABpbnRzcQFdcQIoSwBLAUr/////S/9NAAFN//9KAAABAEoAAACAigUAAACAAIoI////",
    "/////3+KCAAAAAAAAACAigkAAAAAAAAAAECKCQAAAAAAAAAAwGVYBgAAAGZsb2F0c3EDXXEEKEc/4AAA",
    "AAAAAEf+N+Q8iAB1nEd/8AAAAAAAAGVYBQAAAGJvb2xzcQWIiYZxBlgEAAAAbm9uZXEHTlgEAAAAdGV4",
    "dHEIWBIAAAB1w6nkuK3wn5iAICJxIiBcIApxCVgFAAAAYnl0ZXNxCkMEAP9hYnELWAIAAABvZHEMY2Nv",
    "bGxlY3Rpb25zCk9yZGVyZWREaWN0CnENKVJxDihYAQAAAHpxD0sBWAEAAABhcRBLAnVYAwAAAHNldHER",
    "Y2J1aWx0aW5zCnNldApxEl1xE0sDYYVxFFJxFVgCAAAAZnNxFmNidWlsdGlucwpmcm96ZW5zZXQKcRdd",
    "cRhLBGGFcRlScRpYBgAAAG5lc3RlZHEbXXEcKF1xHX1xHilLAYVxH0sBSwKGcSBLAUsCSwOHcSEoSwFL",
    "AksDSwR0cSJlSwFYAQAAAGtxI4ZxJFgIAAAAdHVwbGVrZXlxJXUu",
  };

  private static final String[] PLAIN_4 = {
    "gASVTwEAAAAAAAB9lCiMBGludHOUXZQoSwBLAUr/////S/9NAAFN//9KAAABAEoAAACAigUAAACAAIoI",
    "/////////3+KCAAAAAAAAACAigkAAAAAAAAAAECKCQAAAAAAAAAAwGWMBmZsb2F0c5RdlChHP+AAAAAA",
    "AABH/jfkPIgAdZxHf/AAAAAAAABljAVib29sc5SIiYaUjARub25llE6MBHRleHSUjBJ1w6nkuK3wn5iA",
    "ICJxIiBcIAqUjAVieXRlc5RDBAD/YWKUjAJvZJSMC2NvbGxlY3Rpb25zlIwLT3JkZXJlZERpY3SUk5Qp",
    "UpQojAF6lEsBjAFhlEsCdYwDc2V0lI+UKEsDkIwCZnOUKEsEkZSMBm5lc3RlZJRdlChdlH2UKUsBhZRL",
    "AUsChpRLAUsCSwOHlChLAUsCSwNLBHSUZUsBjAFrlIaUjAh0dXBsZWtleZR1Lg==",
  };

  private static final String[] PLAIN_5 = {
    "gAWVTwEAAAAAAAB9lCiMBGludHOUXZQoSwBLAUr/////S/9NAAFN//9KAAABAEoAAACAigUAAACAAIoI",
    "/////////3+KCAAAAAAAAACAigkAAAAAAAAAAECKCQAAAAAAAAAAwGWMBmZsb2F0c5RdlChHP+AAAAAA",
    "AABH/jfkPIgAdZxHf/AAAAAAAABljAVib29sc5SIiYaUjARub25llE6MBHRleHSUjBJ1w6nkuK3wn5iA",
    "ICJxIiBcIAqUjAVieXRlc5RDBAD/YWKUjAJvZJSMC2NvbGxlY3Rpb25zlIwLT3JkZXJlZERpY3SUk5Qp",
    "UpQojAF6lEsBjAFhlEsCdYwDc2V0lI+UKEsDkIwCZnOUKEsEkZSMBm5lc3RlZJRdlChdlH2UKUsBhZRL",
    "AUsChpRLAUsCSwOHlChLAUsCSwNLBHSUZUsBjAFrlIaUjAh0dXBsZWtleZR1Lg==",
  };

  private static final String[][] PLAIN = {PLAIN_0, PLAIN_1, PLAIN_2, PLAIN_3, PLAIN_4, PLAIN_5};
}
