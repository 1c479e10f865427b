"""The original FastAPI SQL tutorial's pattern, on the hand-written apps' table and schemas: an untuned sync engine
(5 + 10 overflow), ``create_all`` at import, a ``get_db`` generator dependency, ``def`` handlers that commit then
refresh. At c=64 it deadlocks: its threads wait for connections that only other requests' dependency cleanup,
which needs a free thread, would return."""

# ruff: noqa: B008 - the tutorial's `db: Session = Depends(get_db)` defaults, as written

import os
from collections.abc import Iterator
from typing import Any

from fastapi import Depends, FastAPI, HTTPException
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

from .handwritten import Base, Item, ItemIn, ItemOut

engine = create_engine(os.environ["DATABASE_URL"])
SessionLocal = sessionmaker(autocommit=False, autoflush=False, bind=engine)
Base.metadata.create_all(bind=engine)

app = FastAPI()
app.state.engine = engine  # the benchmark's addition, for the pool probe


def get_db() -> Iterator[Session]:
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


@app.post("/items/", response_model=ItemOut)
def create_item(item: ItemIn, db: Session = Depends(get_db)) -> Any:
    db_item = Item(**item.model_dump())
    db.add(db_item)
    db.commit()
    db.refresh(db_item)
    return db_item


@app.get("/items/", response_model=list[ItemOut])
def read_items(skip: int = 0, limit: int = 100, db: Session = Depends(get_db)) -> Any:
    return db.query(Item).offset(skip).limit(limit).all()


@app.get("/items/{item_id}", response_model=ItemOut)
def read_item(item_id: int, db: Session = Depends(get_db)) -> Any:
    db_item = db.query(Item).filter(Item.id == item_id).first()
    if db_item is None:
        raise HTTPException(status_code=404, detail="Item not found")
    return db_item
