package dev.iotforwarder.cmq.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A CMQ reply, read with Jackson's streaming parser: the common fields and whatever action-specific
 * fields are present. Unknown fields are skipped; numbers given as strings (and the reverse) are
 * accepted.
 */
public final class CmqReply {
  /** Marks a reply without {@code code}. */
  public static final int NO_CODE = Integer.MIN_VALUE;

  /** The reply's code, or {@link #NO_CODE}. */
  public int code = NO_CODE;
  /** The message, empty if absent. */
  public String message = "";
  /** The request id, or null. */
  public String requestId;
  /** SendMessage / PublishMessage: the message id. */
  public String msgId;
  /** BatchSendMessage / BatchPublishMessage: the ids, in reply order; null if absent. */
  public List<String> msgIds;
  /** ReceiveMessage: the message fields at the top level; null if absent. */
  public Message message1;
  /** BatchReceiveMessage: the messages; null if absent. */
  public List<Message> messages;
  /** BatchDeleteMessage: the failed handles; null if absent. */
  public List<HandleError> errors;

  /** One received message as the reply holds it. */
  public static final class Message {
    /** msgId. */
    public String msgId;
    /** receiptHandle. */
    public String receiptHandle;
    /** msgBody. */
    public String msgBody;
    /** enqueueTime, seconds. */
    public long enqueueTime;
    /** nextVisibleTime, seconds. */
    public long nextVisibleTime;
    /** firstDequeueTime, seconds. */
    public long firstDequeueTime;
    /** dequeueCount. */
    public int dequeueCount;

    boolean isPresent() {
      return msgId != null || receiptHandle != null || msgBody != null;
    }
  }

  /** One entry of {@code errorList}. */
  public static final class HandleError {
    /** code. */
    public int code;
    /** message. */
    public String message = "";
    /** receiptHandle. */
    public String receiptHandle;
  }

  /**
   * Parses a reply.
   *
   * @param factory the factory
   * @param in the body
   * @return the reply
   * @throws IOException if the body is not a JSON object
   */
  public static CmqReply parse(JsonFactory factory, InputStream in) throws IOException {
    try (JsonParser p = factory.createParser(in)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("reply is not a JSON object");
      }
      CmqReply r = new CmqReply();
      Message top = new Message();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        switch (name) {
          case "code" -> {
            if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_STRING) {
              r.code = intValue(p, t);
            } else {
              p.skipChildren();
            }
          }
          case "message" -> r.message = text(p, t, "");
          case "requestId" -> r.requestId = text(p, t, null);
          case "msgId" -> {
            r.msgId = text(p, t, null);
            top.msgId = r.msgId;
          }
          case "msgList" -> r.msgIds = msgList(p, t);
          case "msgInfoList" -> r.messages = msgInfoList(p, t);
          case "errorList" -> r.errors = errorList(p, t);
          default -> {
            if (!messageField(p, t, name, top)) {
              p.skipChildren();
            }
          }
        }
      }
      if (p.currentToken() != JsonToken.END_OBJECT) {
        throw new IOException("reply is not a complete JSON object");
      }
      if (top.receiptHandle != null || top.msgBody != null) {
        r.message1 = top;
      }
      return r;
    }
  }

  private static boolean messageField(JsonParser p, JsonToken t, String name, Message m) throws IOException {
    switch (name) {
      case "msgId" -> m.msgId = text(p, t, null);
      case "receiptHandle" -> m.receiptHandle = text(p, t, null);
      case "msgBody" -> m.msgBody = text(p, t, null);
      case "enqueueTime" -> m.enqueueTime = longValue(p, t);
      case "nextVisibleTime" -> m.nextVisibleTime = longValue(p, t);
      case "firstDequeueTime" -> m.firstDequeueTime = longValue(p, t);
      case "dequeueCount" -> m.dequeueCount = intValue(p, t);
      default -> {
        return false;
      }
    }
    return true;
  }

  private static List<String> msgList(JsonParser p, JsonToken t) throws IOException {
    if (t != JsonToken.START_ARRAY) {
      p.skipChildren();
      return null;
    }
    List<String> ids = new ArrayList<>();
    while (p.nextToken() != JsonToken.END_ARRAY) {
      if (p.currentToken() != JsonToken.START_OBJECT) {
        p.skipChildren();
        continue;
      }
      String id = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        if (name.equals("msgId")) {
          id = text(p, v, null);
        } else {
          p.skipChildren();
        }
      }
      ids.add(id);
    }
    return ids;
  }

  private static List<Message> msgInfoList(JsonParser p, JsonToken t) throws IOException {
    if (t != JsonToken.START_ARRAY) {
      p.skipChildren();
      return null;
    }
    List<Message> list = new ArrayList<>();
    while (p.nextToken() != JsonToken.END_ARRAY) {
      if (p.currentToken() != JsonToken.START_OBJECT) {
        p.skipChildren();
        continue;
      }
      Message m = new Message();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        if (!messageField(p, v, name, m)) {
          p.skipChildren();
        }
      }
      if (m.isPresent()) {
        list.add(m);
      }
    }
    return list;
  }

  private static List<HandleError> errorList(JsonParser p, JsonToken t) throws IOException {
    if (t != JsonToken.START_ARRAY) {
      p.skipChildren();
      return null;
    }
    List<HandleError> list = new ArrayList<>();
    while (p.nextToken() != JsonToken.END_ARRAY) {
      if (p.currentToken() != JsonToken.START_OBJECT) {
        p.skipChildren();
        continue;
      }
      HandleError e = new HandleError();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        switch (name) {
          case "code" -> e.code = intValue(p, v);
          case "message" -> e.message = text(p, v, "");
          case "receiptHandle" -> e.receiptHandle = text(p, v, null);
          default -> p.skipChildren();
        }
      }
      list.add(e);
    }
    return list;
  }

  private static String text(JsonParser p, JsonToken t, String ifNull) throws IOException {
    if (t == JsonToken.VALUE_NULL) {
      return ifNull;
    }
    if (t.isStructStart()) {
      p.skipChildren();
      return ifNull;
    }
    return p.getText();
  }

  private static long longValue(JsonParser p, JsonToken t) throws IOException {
    if (t == JsonToken.VALUE_NUMBER_INT) {
      return p.getLongValue();
    }
    if (t == JsonToken.VALUE_STRING) {
      try {
        return Long.parseLong(p.getText().trim());
      } catch (NumberFormatException e) {
        throw new IOException("a number field holds a string that is not a number");
      }
    }
    if (t.isStructStart()) {
      p.skipChildren();
    }
    return 0;
  }

  private static int intValue(JsonParser p, JsonToken t) throws IOException {
    long v = longValue(p, t);
    if (v < Integer.MIN_VALUE + 1 || v > Integer.MAX_VALUE) {
      throw new IOException("a number field is out of range");
    }
    return (int) v;
  }
}
