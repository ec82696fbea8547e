package dev.iotforwarder.internal.shared;

import java.util.function.Consumer;

/**
 * A doubly linked list whose links live in the elements themselves ({@link Node}), so that adding
 * and removing an in-flight send costs no allocation and removal is O(1) from the element alone. An
 * element is in at most one such list at a time.
 *
 * <p>Used for the sends a lane has handed to its sink (ordered by send time, so that the send
 * timeout check stops at the first one not yet due) and for the records a Kafka sink has handed to
 * its producer (so that close can fail what the producer never answered).
 *
 * <p>Not thread-safe: the owner guards the list and its elements' links with one lock.
 *
 * @param <N> the element type
 */
public final class IntrusiveList<N extends IntrusiveList.Node<N>> {
  private N head;
  private N tail;
  private int size;

  /**
   * The links an element carries. Subclass it; the fields are the list's, not the element's.
   *
   * @param <N> the element type (the subclass itself)
   */
  public abstract static class Node<N extends Node<N>> {
    N prev;
    N next;
    boolean linked;

    /** Creates an unlinked node. */
    protected Node() {}

    /**
     * Whether the element is in a list now.
     *
     * @return {@code true} between {@link IntrusiveList#addLast} and {@link IntrusiveList#remove}
     */
    public final boolean isLinked() {
      return linked;
    }
  }

  /**
   * Appends an element that is in no list.
   *
   * @param n the element
   * @throws IllegalStateException if it is already in a list
   */
  public void addLast(N n) {
    if (n.linked) {
      throw new IllegalStateException("already in a list: " + n);
    }
    n.linked = true;
    n.prev = tail;
    n.next = null;
    if (tail == null) {
      head = n;
    } else {
      tail.next = n;
    }
    tail = n;
    size++;
  }

  /**
   * Removes an element if it is in this list.
   *
   * @param n the element
   * @return {@code true} if it was removed, {@code false} if it was in no list
   */
  public boolean remove(N n) {
    if (!n.linked) {
      return false;
    }
    if (n.prev == null) {
      head = n.next;
    } else {
      n.prev.next = n.next;
    }
    if (n.next == null) {
      tail = n.prev;
    } else {
      n.next.prev = n.prev;
    }
    n.prev = null;
    n.next = null;
    n.linked = false;
    size--;
    return true;
  }

  /**
   * The oldest element.
   *
   * @return the first element, or null if the list is empty
   */
  public N first() {
    return head;
  }

  /**
   * The element after {@code n}.
   *
   * @param n an element of this list
   * @return the next element, or null if {@code n} is the last
   */
  public N next(N n) {
    return n.next;
  }

  /**
   * The number of elements.
   *
   * @return the size
   */
  public int size() {
    return size;
  }

  /**
   * Whether the list is empty.
   *
   * @return {@code true} if it holds no element
   */
  public boolean isEmpty() {
    return head == null;
  }

  /**
   * Calls {@code action} for each element, oldest first. The action must not change the list.
   *
   * @param action what to do with each element
   */
  public void forEach(Consumer<? super N> action) {
    for (N n = head; n != null; n = n.next) {
      action.accept(n);
    }
  }

  /**
   * Unlinks every element and calls {@code action} for each, oldest first.
   *
   * @param action what to do with each removed element
   */
  public void clear(Consumer<? super N> action) {
    N n = head;
    head = null;
    tail = null;
    size = 0;
    while (n != null) {
      N next = n.next;
      n.prev = null;
      n.next = null;
      n.linked = false;
      action.accept(n);
      n = next;
    }
  }
}
